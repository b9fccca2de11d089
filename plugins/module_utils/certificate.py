# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An ACM certificate: imported (found by its Name tag and its SHA-256 fingerprint), or requested from ACM with DNS
validation (found by its Name tag and its names). Used by certificate.

The resource contract (docs/architecture.md): :func:`find`, :func:`describe`, :func:`resolve`, :func:`ensure`,
:func:`delete`, over a Context whose client is ACM's. ImportCertificate carries no token AWS de-duplicates by, so a
lost answer is found again by the Name tag and the fingerprint (``retries.create_or_find``) before importing again;
a changed certificate is re-imported under the same ARN.

A requested certificate (``desired['request']``, with ``domain_name``): RequestCertificate carries an IdempotencyToken
derived from the stack, the name and the domain names, so a request whose answer was lost is sent again and ACM answers
the same certificate. Its DNS validation records (DescribeCertificate's DomainValidationOptions) are written into the
Route 53 zone ``validation_zone_id`` when given (``ctx.call(..., service='route53')``), else returned; the wait for
ISSUED is botocore's ``CertificateValidated`` waiter. Renewal is ACM's own (managed renewal), nothing of the
collection's. ``existing`` is ``{raw, tags, fingerprint}`` either way (``fingerprint`` None for a requested one).
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
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import (
    WaitTimeout, aws_wait, retry_in_use, retry_not_found, wait_for,
)

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
KEY = ('name', 'fingerprint', 'stack', 'request')
IN_USE = ('ResourceInUseException',)
# ListCertificates lists only RSA_2048 certificates unless told every key type
KEY_TYPES = ['RSA_1024', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_prime256v1', 'EC_secp384r1', 'EC_secp521r1']
# The operations that send a certificate's tags (aws_rules' tag rows of ACM)
TAG_OPERATIONS = ('ImportCertificate', 'AddTagsToCertificate', 'RequestCertificate')

# A requested certificate. https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html: DomainName
# "cannot exceed 64 octets (characters), including periods" (the Common Name, RFC 5280); a subject alternative name
# "can be up to 253 octets", "No label can be longer than 63 octets"; SubjectAlternativeNames "The maximum number of
# domain names that you can add to an ACM certificate is 100. However, the initial quota is 10 domain names"
# (https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html: above the account's quota ACM answers
# LimitExceededException). Wildcards: "Use an asterisk (*) to create a wildcard certificate", as the leftmost label
# (https://docs.aws.amazon.com/acm/latest/userguide/acm-certificate.html, "Wildcard names").
REQUEST_API = 'https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html'
COMMON_NAME_MAX, NAME_MAX, LABEL_MAX, SANS_MAX = 64, 253, 63, 100
LABEL_RE = re.compile(r'^[a-z0-9]([a-z0-9-]*[a-z0-9])?$')
IMPORT_OPTIONS = ('certificate', 'private_key', 'certificate_chain')
REQUEST_OPTIONS = ('domain_name', 'subject_alternative_names', 'validation_method', 'validation_zone_id')
# The statuses a requested certificate is reused in; any other (FAILED, VALIDATION_TIMED_OUT, EXPIRED, REVOKED,
# INACTIVE) will never be issued again (API_CertificateDetail, Status): the module refuses it, naming it and the fix.
USABLE = ('ISSUED', 'PENDING_VALIDATION')
RECORD_TTL = 300
# ACM adds each domain's ResourceRecord to DomainValidationOptions a few seconds after RequestCertificate; how long the
# module polls for them (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html)
RECORDS_TIMEOUT = 60


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
    desired['delete_timeout'] = p.get('wait_timeout') or 300
    if any(p.get(field) is not None for field in REQUEST_OPTIONS):
        return _validate_request(p, desired)
    if p['state'] == 'absent':
        return desired
    for field in ('certificate', 'private_key'):
        if not p.get(field):
            raise ValidationError(field, 'required with state: present (the PEM text), or domain_name instead to request a '
                                  'certificate from ACM')
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
            'subject_alternative_names': sorted(_sans(raw)), 'fingerprint': fp, 'not_after': not_after,
            'status': raw.get('Status'), 'type': raw.get('Type'), 'in_use_by': sorted(raw.get('InUseBy') or []), 'tags': tags,
            'validation_records': validation_records(raw)}


def _sans(raw):
    """The names of a certificate beyond its domain name (DescribeCertificate lists the domain name among them)."""
    domain = (raw.get('DomainName') or '').lower()
    return set(n.lower() for n in raw.get('SubjectAlternativeNames') or []) - set([domain])


def validation_records(raw):
    """[{domain_name, name, type, value, status}]: each domain's DNS validation record, as DescribeCertificate's
    DomainValidationOptions give it once ACM has made it (ResourceRecord)."""
    out = []
    for option in raw.get('DomainValidationOptions') or []:
        record = option.get('ResourceRecord')
        if record:
            out.append({'domain_name': option.get('DomainName'), 'name': record.get('Name'), 'type': record.get('Type'),
                        'value': record.get('Value'), 'status': option.get('ValidationStatus')})
    return out


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


def find(ctx, *, name, fingerprint=None, stack=None, request=None):
    """The imported certificate tagged Name=``name``: the one of that ``fingerprint`` if there is one, else the
    only one so named. Returns {raw (DescribeCertificate), tags, fingerprint} or None; two or more so named and
    none of that fingerprint is an error naming them. With ``stack``, one that is not the stack's is refused (NotOwned,
    naming both) before any change. With ``request`` (a requested certificate's names), :func:`_find_requested`."""
    if request is not None:
        return _find_requested(ctx, name, request, stack)
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
    differs; tags converged either way. ``existing``: what :func:`find` returned. A requested certificate:
    :func:`_ensure_requested`."""
    if desired.get('request') is not None:
        return _ensure_requested(ctx, desired, existing)
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
    changed = _converge_tags(ctx, arn, existing['tags'], desired, after) or changed
    return Change.of(changed, before, after, arn)


def _converge_tags(ctx, arn, tags, desired, after):
    """The certificate's tags to ``desired['tags']`` (None: left alone); True when they changed (``after['tags']`` set)."""
    if desired['tags'] is None:
        return False
    to_set, to_unset = compare_tags(tags, desired['tags'], ctx.purge_tags)
    if to_unset:
        ctx.call('remove_tags_from_certificate', CertificateArn=arn, Tags=[{'Key': k, 'Value': tags[k]} for k in to_unset])
    if to_set:
        ctx.call('add_tags_to_certificate', CertificateArn=arn, Tags=dict_to_boto3_tags(to_set))
    if to_set or to_unset:
        after['tags'] = merged_tags(tags, desired['tags'], ctx.purge_tags)
        return True
    return False


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
                     timeout=((desired or {}).get('delete_timeout') or ctx.wait_timeout) if ctx.wait else 0)
    except Exception as exc:  # pylint: disable=broad-except
        if error_code(exc) != 'ResourceNotFoundException':
            raise
    change = Change('delete', describe(raw, existing['tags'], existing['fingerprint']), None, raw['CertificateArn'])
    zone_id = ((desired or {}).get('request') or {}).get('zone_id')
    if zone_id:
        removed = _delete_records(ctx, zone_id, raw)
        if removed:
            change.notes.append('validation records removed from zone %s: %s' % (zone_id, ', '.join(removed)))
    return change


# -- a certificate requested from ACM, validated by DNS ------------------------------------------------------------------

def _dns_name(value, field, limit):
    """``value`` as ACM takes a domain name (lower case, no final dot), or a ValidationError naming ``field``: at most
    ``limit`` characters, labels of 1-63 letters, digits and hyphens (none at either end), a wildcard only as the leftmost
    label ``*.`` (API_RequestCertificate)."""
    name = str(value or '').strip().lower()
    name = name[:-1] if name.endswith('.') else name
    if not name:
        raise ValidationError(field, 'a domain name is required, such as www.example.com')
    if len(name) > limit:
        raise ValidationError(field, '%s is %d characters; ACM takes at most %d here (%s); %s' % (
            name[:40] + '...', len(name), limit, REQUEST_API,
            'put a longer name in subject_alternative_names (up to 253)' if limit == COMMON_NAME_MAX else 'shorten it'))
    labels = name.split('.')
    if '*' in '.'.join(labels[1:]) or (labels[0] != '*' and '*' in labels[0]):
        raise ValidationError(field, '%s: a wildcard is only a whole leftmost label, as in *.example.com (%s)' % (name, REQUEST_API))
    rest = labels[1:] if labels[0] == '*' else labels
    if len(rest) < 2:
        raise ValidationError(field, '%s is not a fully qualified domain name (at least two labels, as example.com)' % name)
    for label in rest:
        if len(label) > LABEL_MAX:
            raise ValidationError(field, '%s: the label %s... is %d characters; a DNS label is at most 63 (%s)'
                                  % (name[:40], label[:20], len(label), REQUEST_API))
        if not LABEL_RE.match(label):
            raise ValidationError(field, '%s: the label %r holds a character DNS does not take; letters, digits and hyphens, '
                                  'not beginning or ending with a hyphen' % (name, label))
    return name


def _validate_request(p, desired):
    """desired['request'] from domain_name, subject_alternative_names, validation_method and validation_zone_id."""
    mixed = [f for f in IMPORT_OPTIONS if p.get(f)]
    if mixed:
        raise ValidationError(mixed[0], 'an option of an imported certificate, given with the options of a requested one '
                              '(domain_name ...): give certificate and private_key to import your own certificate, or '
                              'domain_name to have ACM issue one, not both')
    if p.get('validation_method') not in (None, 'DNS'):
        raise ValidationError('validation_method', 'only DNS validation is supported (EMAIL needs someone to approve each '
                              'request and each renewal by mail); use validation_method: DNS')
    if not p.get('domain_name'):
        raise ValidationError('domain_name', 'required to request a certificate (the options %s go with it)' % ', '.join(REQUEST_OPTIONS[1:]))
    aws_rules.refuse_by_rules('acm', 'RequestCertificate', 'DomainName', str(p['domain_name']).strip().lower().rstrip('.'),
                              'domain_name', 'put a longer name in subject_alternative_names (up to 253)')
    domain = _dns_name(p['domain_name'], 'domain_name', COMMON_NAME_MAX)
    sans = None
    if p.get('subject_alternative_names') is not None:
        sans = []
        for value in p['subject_alternative_names']:
            name = _dns_name(value, 'subject_alternative_names', NAME_MAX)
            if name != domain and name not in sans:
                sans.append(name)
        if len(sans) > SANS_MAX:
            raise ValidationError('subject_alternative_names', '%d names; ACM takes at most %d (and 10 until the account\'s quota '
                                  'is raised: https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html)' % (len(sans), SANS_MAX))
    zone = p.get('validation_zone_id')
    zone = zone.rsplit('/', 1)[-1] if zone else None  # /hostedzone/Z123 (as Route 53 answers it) or Z123
    if p.get('validation_zone_id') is not None and not re.match(r'^[A-Z0-9]{1,32}$', zone or ''):
        raise ValidationError('validation_zone_id', 'a Route 53 hosted zone id, such as Z0123456789ABCDEFGHIJ')
    if p['state'] != 'absent' and sans is None:
        sans = []  # present: the certificate's names are exactly these; absent: any of that domain and name
    seed = '|'.join([desired['name'], desired.get('stack') or '', domain] + sorted(sans or []))
    desired['request'] = {'domain_name': domain, 'sans': sans, 'zone_id': zone, 'zone_name': None, 'absent': p['state'] == 'absent',
                          'token': hashlib.sha256(seed.encode()).hexdigest()[:32]}  # IdempotencyToken: \w{1,32}
    return desired


def _in_zone(name, zone_name):
    name = name[2:] if name.startswith('*.') else name
    return name == zone_name or name.endswith('.' + zone_name)


def resolve(ctx, *, desired):
    """A requested certificate's validation zone (GetHostedZone, a read): a public zone holding every name."""
    request = desired.get('request')
    if not request or not request['zone_id']:
        return desired
    try:
        zone = ctx.aws('route53').get_hosted_zone(Id=request['zone_id'])['HostedZone']
    except Exception as exc:  # pylint: disable=broad-except
        if error_code(exc) != 'NoSuchHostedZone':
            raise
        raise ValidationError('validation_zone_id', 'no hosted zone %s in this account; give the id of the public zone of %s, '
                              'or leave validation_zone_id out to write the returned validation_records yourself'
                              % (request['zone_id'], request['domain_name']))
    zone_name = zone['Name'].lower().rstrip('.')
    if (zone.get('Config') or {}).get('PrivateZone'):
        raise ValidationError('validation_zone_id', 'zone %s (%s) is private: ACM looks the validation records up in public DNS '
                              '(https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html); give a public zone'
                              % (request['zone_id'], zone_name))
    for field, names in (('domain_name', [request['domain_name']]), ('subject_alternative_names', request['sans'])):
        outside = [n for n in names if not _in_zone(n, zone_name)]
        if outside:
            raise ValidationError(field, '%s not in zone %s (%s): its validation record cannot be written there; request it '
                                  'apart, or leave validation_zone_id out and write the returned validation_records'
                                  % (', '.join(outside), request['zone_id'], zone_name))
    return dict(desired, request=dict(request, zone_name=zone_name))


def _find_requested(ctx, name, request, stack):
    """The requested certificate tagged Name=``name`` for ``request``'s domain name and names (any names for an absent one
    asked without them): ISSUED before PENDING_VALIDATION, then the oldest. One of those names that ACM will not issue
    (FAILED, VALIDATION_TIMED_OUT, EXPIRED, REVOKED ...) is an error naming it and the fix, unless state is absent."""
    summaries = [s for s in ctx.client.paginate('list_certificates', 'CertificateSummaryList', Includes={'keyTypes': KEY_TYPES})
                 if s.get('Type') == 'AMAZON_ISSUED' and (s.get('DomainName') or '').lower() == request['domain_name']]
    tag_lists = gather(*[lambda a=s['CertificateArn']: ctx.client.list_tags_for_certificate(CertificateArn=a).get('Tags')
                         for s in summaries])
    named = [s['CertificateArn'] for s, t in zip(summaries, tag_lists) if boto3_tags_to_dict(t).get(NAME_TAG) == name]
    raws = gather(*[lambda a=a: ctx.client.describe_certificate(CertificateArn=a)['Certificate'] for a in named])
    tags = dict(zip(named, [boto3_tags_to_dict(t) for s, t in zip(summaries, tag_lists) if s['CertificateArn'] in named]))
    same = [r for r in raws if request['sans'] is None or _sans(r) == set(request['sans'])]
    for other in [r for r in raws if r not in same and r.get('Status') in USABLE]:
        ctx.warn('certificate %s is tagged Name=%s for other names (%s); it is left as it is: delete it with state: absent and '
                 'its own names once no listener uses it' % (other['CertificateArn'], name, ', '.join(sorted(_sans(other)) or ['-'])))
    same.sort(key=lambda r: (r.get('Status') not in USABLE, r.get('Status') != 'ISSUED', str(r.get('CreatedAt')), r['CertificateArn']))
    if not same:
        return None
    raw = same[0]
    if raw.get('Status') not in USABLE and not request['absent']:
        raise ValidationError('domain_name', 'certificate %s (Name=%s, %s) is %s%s: ACM will never issue it. Delete it (state: '
                              'absent, same name and domain_name) and run again to request a new one' % (
                                  raw['CertificateArn'], name, request['domain_name'], raw.get('Status'),
                                  ' (%s)' % raw['FailureReason'] if raw.get('FailureReason') else ''))
    check_owner(stack, tags[raw['CertificateArn']], 'certificate', '%s (%s)' % (name, raw['CertificateArn']))
    return {'raw': raw, 'tags': tags[raw['CertificateArn']], 'fingerprint': None}


def _request(ctx, desired):
    """RequestCertificate (the Change of a create), with the request's IdempotencyToken and the tags."""
    request = desired['request']
    tags = desired['tags'] or desired['create_tags']
    kwargs = dict(DomainName=request['domain_name'], ValidationMethod='DNS', IdempotencyToken=request['token'],
                  Tags=dict_to_boto3_tags(tags))
    if request['sans']:
        kwargs['SubjectAlternativeNames'] = list(request['sans'])
    planned = {'arn': None, 'name': desired['name'], 'domain_name': request['domain_name'],
               'subject_alternative_names': sorted(request['sans']), 'fingerprint': None, 'not_after': None,
               'status': 'PENDING_VALIDATION', 'type': 'AMAZON_ISSUED', 'in_use_by': [], 'tags': dict(tags), 'validation_records': []}

    def make():
        arn = ctx.call('request_certificate', **kwargs)['CertificateArn']
        return arn, dict(planned, arn=arn)
    return ctx.create('certificate', desired['name'], make, planned)


def _ensure_requested(ctx, desired, existing):
    """Request the certificate (``existing`` None) or converge its tags; then write its validation records into the zone
    (when given) and wait for ISSUED (with ``ctx.wait``). Check mode reads and plans; it neither writes nor waits."""
    request = desired['request']
    if existing is None:
        change = _request(ctx, desired)
    else:
        before = describe(existing['raw'], existing['tags'])
        after = dict(before)
        change = Change.of(_converge_tags(ctx, existing['raw']['CertificateArn'], existing['tags'], desired, after), before, after,
                           existing['raw']['CertificateArn'])
    arn = real_id(change.id)
    if arn is None:
        return change  # check mode: nothing requested, no record to know yet
    raw = existing['raw'] if existing is not None else None
    if raw is None or (raw.get('Status') == 'PENDING_VALIDATION' and not _records_complete(raw)):
        raw = _with_records(ctx, arn, made=existing is None)
    # kept in the zone once ISSUED too: ACM's managed renewal validates with the same records
    # (https://docs.aws.amazon.com/acm/latest/userguide/managed-renewal.html)
    written = _write_records(ctx, request['zone_id'], raw) if request['zone_id'] else []
    if ctx.wait and raw.get('Status') != 'ISSUED':
        raw = ctx.live(_wait_issued, ctx, arn, request['zone_id']) or raw
    view = describe(raw, change.after['tags'])
    if written:
        change.notes.append('validation records written to zone %s: %s' % (request['zone_id'], ', '.join(written)))
        if change.action == 'none':
            change.action = 'update'
    change.after = view
    return change


def _records_complete(raw):
    options = raw.get('DomainValidationOptions') or []
    return bool(options) and all(o.get('ResourceRecord') for o in options)


def _with_records(ctx, arn, made):
    """The certificate once every domain has its validation record. ACM adds each ResourceRecord to
    DomainValidationOptions a few seconds after the request; AWS has no waiter for it (CertificateValidated waits for the
    validation, which needs the records first), so this polls DescribeCertificate (wait_for) for RECORDS_TIMEOUT
    seconds; then the answer is taken as it is (a warning names the domains without one). ``made``: this run requested
    it, so a NotFound right after is ACM not showing it yet."""
    def read():
        return ctx.client.describe_certificate(CertificateArn=arn)['Certificate']

    def fetch():
        return retry_not_found(read, ('ResourceNotFoundException',), 'certificate %s' % arn) if made else read()
    try:
        return wait_for(fetch, lambda raw: raw.get('Status') != 'PENDING_VALIDATION' or _records_complete(raw),
                        'the DNS validation records of certificate %s' % arn, timeout=RECORDS_TIMEOUT)
    except WaitTimeout as exc:
        missing = [o.get('DomainName') for o in (exc.last or {}).get('DomainValidationOptions') or [] if not o.get('ResourceRecord')]
        ctx.warn('certificate %s: ACM has not given the validation record of %s yet; run again to have it'
                 % (arn, ', '.join(missing) or 'its domains'))
        return exc.last


def _fqdn(name):
    return (name or '').lower().rstrip('.') + '.'


def _cname(route53, zone_id, name):
    """{'values', 'ttl'} of the CNAME ``name`` in the zone (ListResourceRecordSets from it), or None."""
    found = route53.list_resource_record_sets(HostedZoneId=zone_id, StartRecordName=name, StartRecordType='CNAME',
                                              MaxItems='1')['ResourceRecordSets']
    for record in found:
        if _fqdn(record['Name']) == name and record['Type'] == 'CNAME':
            return {'values': [_fqdn(v['Value']) for v in record.get('ResourceRecords') or []], 'ttl': record.get('TTL')}
    return None


def _wanted_records(raw):
    return dict((_fqdn(r['name']), _fqdn(r['value'])) for r in validation_records(raw) if r.get('type') == 'CNAME')


def _write_records(ctx, zone_id, raw):
    """UPSERT the certificate's validation CNAMEs that the zone lacks (or holds with another value), one change batch;
    the names written (none on a rerun: the zone is read first)."""
    route53 = ctx.aws('route53')
    changes = []
    for name, value in sorted(_wanted_records(raw).items()):
        have = _cname(route53, zone_id, name)
        if have is None or have['values'] != [value]:
            changes.append({'Action': 'UPSERT', 'ResourceRecordSet': {'Name': name, 'Type': 'CNAME', 'TTL': RECORD_TTL,
                                                                      'ResourceRecords': [{'Value': value}]}})
    if changes:
        ctx.call('change_resource_record_sets', service='route53', HostedZoneId=zone_id,
                 ChangeBatch={'Comment': 'ACM DNS validation of %s' % raw['CertificateArn'], 'Changes': changes})
    return [c['ResourceRecordSet']['Name'] for c in changes]


def _wait_issued(ctx, arn, zone_id):
    """The certificate once ISSUED, through botocore's acm ``CertificateValidated`` waiter (every domain's
    ValidationStatus SUCCESS; Status FAILED fails). On timeout the error names the status and each record ACM has not
    seen: missing from the zone, there with another value, or there and not yet seen."""
    try:
        return aws_wait(ctx, 'CertificateValidated', 'certificate %s to be ISSUED' % arn, ctx.wait_timeout or 600,
                        reason=lambda r: '%s (%s)' % (r['Certificate'].get('Status'), r['Certificate'].get('FailureReason')),
                        CertificateArn=arn)['Certificate']
    except WaitTimeout as exc:
        raw = ctx.client.describe_certificate(CertificateArn=arn)['Certificate']
        route53 = ctx.aws('route53') if zone_id else None
        lines = ['%s CNAME %s (%s, %s)' % (_fqdn(r['name']), _fqdn(r['value']), r['domain_name'], _where(route53, zone_id, r))
                 for r in validation_records(raw) if r['status'] != 'SUCCESS']
        raise WaitTimeout(exc.what, exc.timeout, 'status %s; validation records: %s' % (
            raw.get('Status'), '; '.join(lines) or 'none given by ACM yet'))


def _where(route53, zone_id, record):
    """Why ACM has not seen a validation record: what the zone holds under its name (without a zone: the user's to write)."""
    if route53 is None:
        return 'not yet seen by ACM: write it in the DNS zone of %s' % record['domain_name']
    have = _cname(route53, zone_id, _fqdn(record['name']))
    if have is None:
        return 'not in zone %s' % zone_id
    if have['values'] != [_fqdn(record['value'])]:
        return 'in zone %s with another value: %s' % (zone_id, ', '.join(have['values']))
    return 'in zone %s, not yet seen by ACM' % zone_id


def _records_of_others(ctx, arn):
    """The validation record names other requested certificates of the account still use (ACM gives one domain the same
    record in every certificate of the account), which a delete leaves in the zone."""
    listed = ctx.client.paginate('list_certificates', 'CertificateSummaryList', Includes={'keyTypes': KEY_TYPES})
    others = [s['CertificateArn'] for s in listed if s.get('Type') == 'AMAZON_ISSUED' and s['CertificateArn'] != arn]
    raws = gather(*[lambda a=a: ctx.client.describe_certificate(CertificateArn=a)['Certificate'] for a in others])
    return set(name for raw in raws for name in _wanted_records(raw))


def _delete_records(ctx, zone_id, raw):
    """DELETE the certificate's validation CNAMEs from the zone, those with its value that no other certificate uses;
    the names removed."""
    route53 = ctx.aws('route53')
    kept = _records_of_others(ctx, raw['CertificateArn'])
    changes = []
    for name, value in sorted(_wanted_records(raw).items()):
        have = _cname(route53, zone_id, name) if name not in kept else None
        if have is not None and have['values'] == [value]:
            changes.append({'Action': 'DELETE', 'ResourceRecordSet': {'Name': name, 'Type': 'CNAME', 'TTL': have['ttl'],
                                                                      'ResourceRecords': [{'Value': value}]}})
    if changes:
        ctx.call('change_resource_record_sets', service='route53', HostedZoneId=zone_id, ChangeBatch={'Changes': changes})
    return [c['ResourceRecordSet']['Name'] for c in changes]
