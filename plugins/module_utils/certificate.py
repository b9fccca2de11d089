# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An imported ACM certificate, found by its Name tag and its SHA-256 fingerprint. Used by certificate.

The resource contract (docs/architecture.md): :func:`find`, :func:`describe`, :func:`ensure`, :func:`delete`,
over a Context whose client is ACM's. ImportCertificate carries no token AWS de-duplicates by, so a lost
answer is found again by the Name tag and the fingerprint (``retries.create_or_find``) before importing again;
a changed certificate is re-imported under the same ARN.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change, real_id
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find, error_code, gather
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import NAME_TAG, STACK_TAG, check_owner, validate_owner
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import (
    boto3_tags_to_dict, compare_tags, dict_to_boto3_tags, merged_tags,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import retry_in_use

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_ERROR = exc

# https://docs.aws.amazon.com/acm/latest/APIReference/API_DeleteCertificate.html: "You cannot delete an ACM certificate
# that is being used by another AWS service", Errors: ResourceInUseException "The certificate is in use by another AWS
# service in the caller's account. Remove the association and try again." ACM clears InUseBy some seconds after the
# listener (or the load balancer) that used it is deleted; until then the delete is refused.
NAME = 'certificate'
KEY = ('name', 'fingerprint', 'stack')
MODULE_OPTIONS = {'required_if': [('state', 'present', ['certificate', 'private_key'])]}
IN_USE = ('ResourceInUseException',)
# ListCertificates lists only RSA_2048 certificates unless told every key type
KEY_TYPES = ['RSA_1024', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_prime256v1', 'EC_secp384r1', 'EC_secp521r1']
# The operations that send a certificate's tags (aws_rules' tag rows of ACM)
TAG_OPERATIONS = ('ImportCertificate', 'AddTagsToCertificate')


# A private key's PEM block, whatever its kind (PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY, ENCRYPTED PRIVATE KEY...),
# ended or cut short.
PRIVATE_KEY_RE = re.compile(r'-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)', re.S)
# The fields that are not secret but may hold a key by mistake (files swapped), and what they should hold.
PUBLIC_FIELDS = (('certificate', 'the certificate'), ('certificate_chain', 'the intermediate certificates'))


def misplaced_keys(p):
    """{field: [texts to hide]} for each of certificate and certificate_chain that holds a private key block (the files
    swapped): the field's whole text and each key block, for the module's no_log_values, so that Ansible scrubs them from
    what the module returns (its invocation) and logs. Empty when neither holds a key."""
    out = {}
    for field, dummy in PUBLIC_FIELDS:
        text = p.get(field)
        if isinstance(text, str):
            blocks = PRIVATE_KEY_RE.findall(text)
            if blocks:
                out[field] = [v for v in [text, text.strip()] + blocks + [b.strip() for b in blocks] if v]
    return out


def refuse_misplaced_keys(p):
    """A ValidationError naming the first field of :data:`PUBLIC_FIELDS` that holds a private key; the key is never quoted."""
    found = misplaced_keys(p)
    for field, what in PUBLIC_FIELDS:
        if field in found:
            raise ValidationError(field, 'holds a private key (a PEM PRIVATE KEY block), not %s: the files look swapped. Give the '
                                  'certificate\'s file as certificate, the key\'s as private_key (and the chain\'s as '
                                  'certificate_chain); nothing was sent, and the key is not shown' % what)


def _pem_blocks(text, field):
    if not isinstance(text, str) or '-----BEGIN' not in text:
        raise ValidationError(field, 'a PEM text is required (-----BEGIN ...-----); read a file with '
                              "\"{{ lookup('file', 'path') }}\"")
    return text.strip() + '\n'


def load_certificate(text, field='certificate'):
    try:
        return x509.load_pem_x509_certificate(_pem_blocks(text, field).encode())
    except ValueError as exc:
        raise ValidationError(field, 'not a PEM X.509 certificate (%s)' % exc)


def sha256_fingerprint(cert):
    """The SHA-256 fingerprint of a certificate (of its DER form), as AA:BB:... hex pairs."""
    digest = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _public_der(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def validate(p):
    """The desired certificate from the options, checked before any call: PEM texts, the key matching the
    certificate, the chain. ValidationError names the field."""
    refuse_misplaced_keys(p)  # first: nothing after it may quote a key given where a certificate belongs
    if not HAS_CRYPTOGRAPHY:
        raise ValidationError('certificate', 'the Python package cryptography is required on the controller (pip install '
                              'cryptography): %s' % CRYPTOGRAPHY_ERROR)
    name = p.get('name')
    if not name:
        raise ValidationError('name', 'a name (the certificate\'s Name tag) is required')
    # ImportCertificate and AddTagsToCertificate send the tags, the Name tag the name: aws_rules' tag rows of ACM (a re-import
    # sends no Tags: AWS refuses tags with CertificateArn)
    for operation in TAG_OPERATIONS:
        aws_rules.refuse_by_rules('acm', operation, 'Tags[].Value', name, 'name', 'it is the Name tag')
    aws_rules.refuse_tags('acm', TAG_OPERATIONS, p.get('tags'))
    stack, tags = validate_owner(p)
    owner = {STACK_TAG: stack} if stack is not None else {}
    desired = {'name': name, 'stack': stack, 'tags': dict(tags, **dict(owner, **{NAME_TAG: name})) if tags is not None else None,
               'create_tags': dict(owner, **{NAME_TAG: name})}
    if p['state'] == 'absent':
        return desired
    for field in ('certificate', 'private_key'):
        if not p.get(field):
            raise ValidationError(field, 'required with state: present (the PEM text)')
    cert = load_certificate(p['certificate'])
    try:
        key = serialization.load_pem_private_key(_pem_blocks(p['private_key'], 'private_key').encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ValidationError('private_key', 'not an unencrypted PEM private key (%s); ACM takes the key without a passphrase'
                              % exc.__class__.__name__)
    if _public_der(key.public_key()) != _public_der(cert.public_key()):
        raise ValidationError('private_key', 'the private key does not match the certificate (its public key is another); '
                              'give the key the certificate was issued for')
    chain = None
    if p.get('certificate_chain'):
        chain = _pem_blocks(p['certificate_chain'], 'certificate_chain')
        try:
            x509.load_pem_x509_certificates(chain.encode())
        except (ValueError, AttributeError) as exc:
            raise ValidationError('certificate_chain', 'not PEM X.509 certificates (%s)' % exc)
    desired.update(certificate=_pem_blocks(p['certificate'], 'certificate'), private_key=p['private_key'].strip() + '\n',
                   chain=chain, fingerprint=sha256_fingerprint(cert), not_after=_not_after(cert), domain_name=_domain(cert))
    return desired


def _not_after(cert):
    value = getattr(cert, 'not_valid_after_utc', None) or cert.not_valid_after
    return value.strftime('%Y-%m-%dT%H:%M:%SZ')


def _domain(cert):
    from cryptography.x509.oid import NameOID
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if names:
        return names[0].value
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)[0]
    except (x509.ExtensionNotFound, IndexError):
        return None


def describe(raw, tags=None, fp=None):
    """The snake_case view: arn, name, domain_name, fingerprint, not_after, status, in_use_by, tags."""
    not_after = raw.get('NotAfter')
    if hasattr(not_after, 'strftime'):
        not_after = not_after.strftime('%Y-%m-%dT%H:%M:%SZ')
    tags = dict(tags or {})
    return {'arn': real_id(raw.get('CertificateArn')), 'name': tags.get(NAME_TAG), 'domain_name': raw.get('DomainName'),
            'fingerprint': fp, 'not_after': not_after, 'status': raw.get('Status'), 'type': raw.get('Type'),
            'in_use_by': sorted(raw.get('InUseBy') or []), 'tags': tags}


def _fingerprint_of(client, arn):
    try:
        return sha256_fingerprint(load_certificate(client.get_certificate(CertificateArn=arn)['Certificate']))
    except ValidationError:
        return None


def _named(client, name):
    """[(summary, tags)] of the imported certificates carrying the Name tag ``name``."""
    summaries = [s for s in client.paginate('list_certificates', 'CertificateSummaryList', Includes={'keyTypes': KEY_TYPES})
                 if s.get('Type', 'IMPORTED') == 'IMPORTED']
    tag_lists = gather(*[lambda a=s['CertificateArn']: client.list_tags_for_certificate(CertificateArn=a).get('Tags')
                         for s in summaries])
    return [(s, boto3_tags_to_dict(t)) for s, t in zip(summaries, tag_lists) if boto3_tags_to_dict(t).get(NAME_TAG) == name]


def hidden(p):
    """What Ansible must never show of the options: a key given where a certificate belongs (the files swapped), hidden
    before validate refuses it."""
    return [v for values in misplaced_keys(p).values() for v in values]


def find(ctx, *, name, fingerprint=None, stack=None):
    """The imported certificate tagged Name=``name``: the one of that ``fingerprint`` if there is one, else the
    only one so named. Returns {raw (DescribeCertificate), tags, fingerprint} or None; two or more so named and
    none of that fingerprint is an error naming them. With ``stack``, one that is not the stack's is refused (NotOwned,
    naming both) before any change."""
    named = _named(ctx.client, name)
    if not named:
        return None
    prints = gather(*[lambda a=s['CertificateArn']: _fingerprint_of(ctx.client, a) for s, t in named])
    matching = [(s, t, fp) for (s, t), fp in zip(named, prints) if fingerprint and fp == fingerprint]
    if matching:
        chosen = matching[0]
    elif len(named) == 1:
        chosen = named[0] + (prints[0],)
    else:
        raise ValidationError('name', '%d imported certificates are tagged Name=%s (%s); delete the extra ones'
                              % (len(named), name, ', '.join(s['CertificateArn'] for s, t in named)))
    summary, tags, fp = chosen
    check_owner(stack, tags, 'certificate', '%s (%s)' % (name, summary['CertificateArn']))
    raw = ctx.client.describe_certificate(CertificateArn=summary['CertificateArn'])['Certificate']
    return {'raw': raw, 'tags': tags, 'fingerprint': fp}


def _import_args(desired):
    kwargs = {'Certificate': desired['certificate'].encode(), 'PrivateKey': desired['private_key'].encode()}
    if desired.get('chain'):
        kwargs['CertificateChain'] = desired['chain'].encode()
    return kwargs


def _planned(desired, arn, tags):
    return {'arn': real_id(arn), 'name': desired['name'], 'domain_name': desired['domain_name'], 'fingerprint': desired['fingerprint'],
            'not_after': desired['not_after'], 'status': 'ISSUED', 'type': 'IMPORTED', 'in_use_by': [], 'tags': dict(tags)}


def ensure(ctx, *, desired, existing=None):
    """Import the certificate (``existing`` None), or re-import it under the same ARN when its fingerprint
    differs; tags converged either way. ``existing``: what :func:`find` returned."""
    if existing is None:
        tags = desired['tags'] or desired['create_tags']
        kwargs = dict(_import_args(desired), Tags=dict_to_boto3_tags(tags))

        def made():
            found = find(ctx, name=desired['name'], fingerprint=desired['fingerprint'])
            return {'CertificateArn': found['raw']['CertificateArn']} if found and found['fingerprint'] == desired['fingerprint'] else None

        def make():
            arn = create_or_find(lambda: ctx.call('import_certificate', **kwargs), made)['CertificateArn']
            return arn, _planned(desired, arn, tags)
        return ctx.create('certificate', desired['name'], make, _planned(desired, None, tags))
    raw, arn = existing['raw'], existing['raw']['CertificateArn']
    before = describe(raw, existing['tags'], existing['fingerprint'])
    after = dict(before)
    changed = False
    if existing['fingerprint'] != desired['fingerprint']:
        if raw.get('Type', 'IMPORTED') != 'IMPORTED':
            raise ValidationError('name', 'certificate %s is issued by Amazon, not imported: it cannot be re-imported' % arn)
        ctx.call('import_certificate', CertificateArn=arn, **_import_args(desired))
        after.update(_planned(desired, arn, before['tags']))
        after['in_use_by'] = before['in_use_by']
        changed = True
    if desired['tags'] is not None:
        to_set, to_unset = compare_tags(existing['tags'], desired['tags'], ctx.purge_tags)
        if to_unset:
            ctx.call('remove_tags_from_certificate', CertificateArn=arn, Tags=[{'Key': k, 'Value': existing['tags'][k]} for k in to_unset])
        if to_set:
            ctx.call('add_tags_to_certificate', CertificateArn=arn, Tags=dict_to_boto3_tags(to_set))
        if to_set or to_unset:
            after['tags'], changed = merged_tags(existing['tags'], desired['tags'], ctx.purge_tags), True
    return Change.of(changed, before, after, arn)


def _listeners_of_stack(elbv2, users, stack):
    """True when every user of the certificate is a listener of a load balancer tagged Stack=<stack>."""
    balancers = {}
    for arn in users:
        # arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<lb id>/<listener id>
        head, sep, path = arn.partition(':listener/')
        parts = path.split('/')
        if not sep or len(parts) != 4:
            return False
        balancers[arn] = '%s:loadbalancer/%s' % (head, '/'.join(parts[:3]))
    described = elbv2.describe_tags(ResourceArns=sorted(set(balancers.values())))['TagDescriptions']
    owned = set(d['ResourceArn'] for d in described if boto3_tags_to_dict(d.get('Tags')).get(STACK_TAG) == stack)
    return all(lb in owned for lb in balancers.values())


def _names_certificate(listener, arn):
    return any(c.get('CertificateArn') == arn for c in listener.get('Certificates') or [])


def _still_uses(elbv2, user, arn):
    """True when ``user`` (an ARN of the certificate's InUseBy) still uses the certificate ``arn``: a listener that exists
    and names it, or a load balancer that exists with a listener naming it. A listener or load balancer that is gone
    (ListenerNotFound, LoadBalancerNotFound), or no longer names the certificate, only waits for ACM to notice; any other
    user (another service) counts as a user."""
    try:
        if ':listener/' in user:
            listeners = elbv2.describe_listeners(ListenerArns=[user])['Listeners']
        elif ':loadbalancer/' in user:
            listeners = elbv2.paginate('describe_listeners', 'Listeners', LoadBalancerArn=user)
        else:
            return True
    except Exception as exc:  # pylint: disable=broad-except
        if error_code(exc) in ('ListenerNotFound', 'LoadBalancerNotFound'):
            return False
        raise
    return any(_names_certificate(li, arn) for li in listeners)


def _in_use_by(ctx, arn):
    return ctx.client.describe_certificate(CertificateArn=arn)['Certificate'].get('InUseBy') or []


def _refuse_in_use(arn, users):
    raise ValidationError('state', 'certificate %s is still used by %s; remove those listeners first (state: absent of the '
                          'load balancer, or another certificate_arn)' % (arn, ', '.join(users)))


def delete(ctx, *, existing, desired=None):
    """Delete the certificate. One that a listener still uses is refused at once, naming the users; one whose users are all
    listeners or load balancers that are gone (or no longer name it) is deleted once ACM clears InUseBy: the delete is sent
    again (ResourceInUseException) within the context's wait_timeout (with ``ctx.wait``; else once), then
    waiters.StillInUse names the users ACM still lists. In check mode, with ``desired['stack']``, users that are all
    listeners of the stack's own load balancers (read with ``ctx.aws('elbv2')``) are what the plan deletes first
    (teardown.yml plans every delete before it deletes anything): a warning."""
    raw = existing['raw']
    arn = raw['CertificateArn']
    users = raw.get('InUseBy') or []
    stack = (desired or {}).get('stack')
    client = ctx.aws('elbv2') if users and ctx.clients is not None else None
    live = [u for u in users if client is None or _still_uses(client, u, arn)]
    if live and stack is not None and client is not None:
        ctx.live(_refuse_in_use, arn, live)  # a run that sends calls refuses at once; check mode may plan past them
        if _listeners_of_stack(client, live, stack):
            ctx.warn('certificate %s is still used by %s, listeners of stack %s; a run that is not in check mode refuses until they '
                     'are removed' % (arn, ', '.join(live), stack))
            live = []
    if live:
        _refuse_in_use(arn, live)
    try:
        retry_in_use(lambda: ctx.call('delete_certificate', CertificateArn=arn), IN_USE, 'certificate %s' % arn,
                     lambda: ['%s (gone or no longer naming it, not yet released by ACM)' % u for u in _in_use_by(ctx, arn)],
                     timeout=ctx.wait_timeout if ctx.wait else 0)
    except Exception as exc:  # pylint: disable=broad-except
        if error_code(exc) != 'ResourceNotFoundException':
            raise
    return Change('delete', describe(raw, existing['tags'], existing['fingerprint']), None, raw['CertificateArn'])
