#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: certificate
short_description: An ACM certificate, imported (your own) or requested from ACM with DNS validation
version_added: 0.2.0
description:
  - Imports a PEM certificate, its private key and optionally its chain into AWS Certificate Manager (ACM), for
    the HTTPS listeners of M(seed.laravel_aws.load_balancer).
  - The certificate is found again by its C(Name) tag (O(name)) and its SHA-256 fingerprint, so a rerun imports
    nothing, and an import whose answer was lost is found again instead of imported twice.
  - A different certificate under the same O(name) is re-imported under the same ARN, so the listeners using it
    keep it.
  - Before any request the module checks that the texts are PEM, and that the private key is the certificate's.
  - A private key given as O(certificate) or O(certificate_chain) (the files swapped) is refused before any request,
    naming the option; the module never returns or logs a private key (O(certificate) and O(certificate_chain) are
    hidden like O(private_key) in what Ansible shows of the task's arguments).
  - With O(stack), the certificate found under O(name) must carry C(Stack=<stack>) to be re-imported, retagged or
    deleted; one of another stack, or of none, is refused before any change, naming both.
  - With O(domain_name) instead of O(certificate), the module requests a certificate from ACM (RequestCertificate)
    for O(domain_name) and O(subject_alternative_names), validated by DNS, tagged at request time. It is found again
    by its C(Name) tag (O(name)) and the same names; a C(PENDING_VALIDATION) or C(ISSUED) one is reused, so a rerun
    requests nothing. The request carries an C(IdempotencyToken) derived from O(stack), O(name) and the names, so a
    request whose answer was lost is sent again and ACM answers the same certificate.
  - A requested certificate of that name and those names that ACM will never issue (C(FAILED),
    C(VALIDATION_TIMED_OUT), C(EXPIRED), C(REVOKED), C(INACTIVE)) is an error naming it; delete it with
    O(state=absent) and run again. It is not replaced silently, so that a failure (a CAA record that forbids Amazon,
    for one) is seen.
  - A certificate tagged O(name) for other names is left as it is (a warning names it); a new one is requested for
    the names given.
  - DNS validation (U(https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html)) ACM gives each domain a
    CNAME record, some seconds after the request. With O(validation_zone_id), the module writes the records that the
    zone lacks (or holds with another value) into that Route 53 public hosted zone, and nothing else; a rerun reads
    the zone and writes nothing. Without it, RV(certificate.validation_records) are returned, to be written in the
    zone of the domain wherever it is hosted.
  - With O(wait) the module waits until ACM has issued the certificate (botocore's C(CertificateValidated) waiter),
    up to O(wait_timeout); on timeout the error names the certificate's status and each validation record ACM has not
    seen (its name and value, and whether the zone lacks it, holds another value, or holds it and ACM has not seen it
    yet). ACM stops trying after 72 hours (C(VALIDATION_TIMED_OUT)).
  - Renewal is ACM's own managed renewal of DNS-validated certificates, as long as the validation records stay in DNS
    and the certificate is in use (U(https://docs.aws.amazon.com/acm/latest/userguide/managed-renewal.html)); the
    collection does nothing for it, and leaves the records in the zone.
  - Before any request the module checks the names (O(domain_name) at most 64 characters, the certificate's common
    name; each other name at most 253; labels at most 63; a wildcard only as the leftmost label C(*.)), at most 100
    O(subject_alternative_names) (ACM's maximum; an account's quota is 10 until it is raised, and ACM answers
    C(LimitExceededException) above it,
    U(https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html)), that import options and request options are
    not mixed, and (one read of the zone, GetHostedZone) that the zone is public and holds every name.
  - Every option AWS documents a rule for (names, ranges, windows, ACM's tags, keys 1-128 and values 0-256 letters,
    digits, spaces and V(_ . / = + - @ :), neither beginning with V(aws:)) is checked against the collection's table of
    AWS's rules before any call, in check mode too; the error names the option, AWS's rule, the error code AWS answers
    and the page the rule is from (never a secret's value).
author:
  - Seed Maintainers (@seed-maintainers)
requirements:
  - cryptography (on the controller, to read the certificate and check the key)
options:
  name:
    description:
      - The certificate's C(Name) tag, how the module finds it again.
      - As a tag value of ACM it is 1-256 letters, digits, spaces and V(_ . / = + - @ :), not beginning with V(aws:).
      - C(name_tag) is the name M(community.aws.acm_certificate) gives it.
    type: str
    required: true
    aliases: [name_tag]
  certificate:
    description:
      - The certificate, PEM, to import. Required with O(state=present) unless O(domain_name) is given.
      - Not with O(domain_name) and the other options of a requested certificate.
    type: str
  private_key:
    description: The certificate's private key, PEM, without a passphrase. Required with O(certificate).
    type: str
  certificate_chain:
    description: The intermediate certificates, PEM, concatenated.
    type: str
  domain_name:
    description:
      - Request a certificate from ACM for this fully qualified domain name (C(www.example.com), or a wildcard
        C(*.example.com)), instead of importing one.
      - At most 64 characters (the certificate's common name,
        U(https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html)); put a longer name in
        O(subject_alternative_names). Written in lower case, without a final dot.
      - With O(state=absent), the requested certificate of O(name) and this domain is deleted (and with
        O(subject_alternative_names), the one of those names).
    type: str
    version_added: 0.2.0
  subject_alternative_names:
    description:
      - The other names of a requested certificate (O(domain_name) is one of its names without being listed here).
      - They are part of what the certificate is found by; omitted, the certificate has no other name.
      - At most 100, each at most 253 characters.
    type: list
    elements: str
    version_added: 0.2.0
  validation_method:
    description:
      - How ACM checks that the domains are yours. Only V(DNS); V(EMAIL) is refused before any request (a mail to
        approve at each request and renewal cannot be automated).
      - Omitted means V(DNS).
    type: str
    choices: [DNS, EMAIL]
    version_added: 0.2.0
  validation_zone_id:
    description:
      - The Route 53 public hosted zone (its id, C(Z...) or C(/hostedzone/Z...)) of the requested certificate's names,
        into which the module writes the DNS validation records, and from which O(state=absent) removes them (those
        with the certificate's values that no other certificate of the account uses).
      - Every name must be in that zone; a private zone is refused (ACM reads public DNS).
      - Omitted, nothing is written; RV(certificate.validation_records) says what to write.
    type: str
    version_added: 0.2.0
  state:
    description:
      - V(present) or V(absent).
      - A certificate that a listener still uses is not deleted; the module names the users at once.
      - ACM keeps listing a deleted listener (or load balancer) as a user (C(InUseBy)) for some seconds after it is gone,
        and refuses the delete until then (C(ResourceInUseException)). When every user is a listener or load balancer
        that is gone or no longer names the certificate, the delete is tried again until O(wait_timeout); then the
        error names the users ACM still lists.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - With O(state=absent), try the delete again while ACM still lists users that are gone. Without it, one try.
      - With O(domain_name), wait until ACM has issued the certificate.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds the delete is tried again for (300 when omitted), or that the module waits for a requested certificate to
        be issued (600 when omitted).
    type: int
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
attributes:
  check_mode:
    support: full
    description:
      - Reports what would change and imports, requests and writes nothing; a certificate to be imported or requested has
        RV(certificate.arn=null) (and no validation records yet).
  diff_mode:
    support: full
    description: Returns the certificate (never its key) before and after.
'''

EXAMPLES = r'''
- name: The site's certificate, for the load balancer's HTTPS listener
  seed.laravel_aws.certificate:
    name: demo-site
    certificate: "{{ lookup('file', 'files/site.crt') }}"
    private_key: "{{ lookup('file', 'files/site.key') }}"
    certificate_chain: "{{ lookup('file', 'files/chain.pem') }}"
    stack: demo
  register: cert

- name: Gone (after the listeners using it)
  seed.laravel_aws.certificate:
    name: demo-site
    stack: demo
    state: absent

- name: A certificate from ACM, validated by DNS in the site's Route 53 zone, waited for
  seed.laravel_aws.certificate:
    name: demo-site
    stack: demo
    domain_name: example.com
    subject_alternative_names: [www.example.com]
    validation_zone_id: Z0123456789ABCDEFGHIJ
    wait_timeout: 900
  register: cert

- name: A certificate from ACM whose domain is hosted elsewhere; write the records it returns there
  seed.laravel_aws.certificate:
    name: demo-site
    stack: demo
    domain_name: www.example.org
    wait: false
  register: requested

- name: The records to write
  ansible.builtin.debug:
    msg: "{{ requested.certificate.validation_records }}"

- name: The requested certificate gone, with the validation records it wrote
  seed.laravel_aws.certificate:
    name: demo-site
    stack: demo
    domain_name: example.com
    subject_alternative_names: [www.example.com]
    validation_zone_id: Z0123456789ABCDEFGHIJ
    state: absent
'''

RETURN = r'''
certificate:
  description: The certificate; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    arn:
      description: Its ARN (null in check mode for one to be imported).
      type: str
      sample: arn:aws:acm:us-east-1:123456789012:certificate/0123abcd-...
    name:
      description: Its C(Name) tag.
      type: str
    domain_name:
      description: The domain it is for (the subject's common name, else its first DNS name).
      type: str
    subject_alternative_names:
      description: Its other names (the domain name is not repeated).
      type: list
      elements: str
      version_added: 0.2.0
    fingerprint:
      description: The SHA-256 fingerprint of the certificate, colon-separated hex.
      type: str
    not_after:
      description: When it expires (UTC, ISO 8601).
      type: str
      sample: '2027-01-01T00:00:00Z'
    status:
      description:
        - Its ACM status, C(ISSUED) for a valid imported certificate; C(PENDING_VALIDATION) for a requested one that
          ACM has not issued yet.
      type: str
    type:
      description: C(IMPORTED), or C(AMAZON_ISSUED) for a requested one.
      type: str
    validation_records:
      description:
        - The DNS validation record of each of a requested certificate's names, once ACM has made them (empty for an
          imported one, and in check mode for one to be requested).
      type: list
      elements: dict
      version_added: 0.2.0
      contains:
        domain_name:
          description: The name it validates.
          type: str
        name:
          description: The record's name.
          type: str
          sample: _3b4c...e1.www.example.com.
        type:
          description: C(CNAME).
          type: str
        value:
          description: The record's value.
          type: str
          sample: _9a8b...f2.abcdefghij.acm-validations.aws.
        status:
          description: C(PENDING_VALIDATION), C(SUCCESS) or C(FAILED).
          type: str
    in_use_by:
      description: The ARNs of what uses it (load balancers).
      type: list
      elements: str
    tags:
      description: Its tags.
      type: dict
diff:
  description: The certificate before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import certificate

ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str', required=True, aliases=['name_tag']),
    # A certificate is public, but these are no_log too: a key given here by mistake (the files swapped) would
    # otherwise be in the invocation Ansible logs on the host when the module starts, before any check can run.
    certificate=dict(type='str', no_log=True),
    private_key=dict(type='str', no_log=True),
    certificate_chain=dict(type='str', no_log=True),
    domain_name=dict(type='str'),
    subject_alternative_names=dict(type='list', elements='str'),
    validation_method=dict(type='str', choices=['DNS', 'EMAIL']),
    validation_zone_id=dict(type='str'),
    wait_timeout=dict(type='int'),
), owner=True, waits=True)


def main():
    run_module(certificate, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
