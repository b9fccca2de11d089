#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: certificate
short_description: A certificate of your own imported into ACM, found again by its name and fingerprint
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
  - A certificate Amazon issues (requested with DNS validation) is out of scope; pass its ARN to
    O(seed.laravel_aws.load_balancer#module:listeners[].certificate_arn) directly.
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
    description: The certificate, PEM. Required with O(state=present).
    type: str
  private_key:
    description: The certificate's private key, PEM, without a passphrase. Required with O(state=present).
    type: str
  certificate_chain:
    description: The intermediate certificates, PEM, concatenated.
    type: str
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
    description: With O(state=absent), try the delete again while ACM still lists users that are gone. Without it, one try.
    type: bool
    default: true
  wait_timeout:
    description: Seconds the delete is tried again for.
    type: int
    default: 300
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
attributes:
  check_mode:
    support: full
    description: Reports what would change and imports nothing; a certificate to be imported has RV(certificate.arn=null).
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
    fingerprint:
      description: The SHA-256 fingerprint of the certificate, colon-separated hex.
      type: str
    not_after:
      description: When it expires (UTC, ISO 8601).
      type: str
      sample: '2027-01-01T00:00:00Z'
    status:
      description: Its ACM status, C(ISSUED) for a valid imported certificate.
      type: str
    type:
      description: C(IMPORTED).
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
    wait_timeout=dict(type='int', default=300),
), owner=True, waits=True)


def main():
    run_module(certificate, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
