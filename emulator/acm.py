"""ACM's requested certificates as AWS issues them: DNS validation, then a certificate of the emulator's CA.

moto issues a requested certificate by itself a minute after the request (whatever DNS holds), shows one fixed
validation record for every domain from the first describe, and serves a self-signed body. AWS
(https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html, "DNS validation";
https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html;
https://docs.aws.amazon.com/acm/latest/APIReference/API_DescribeCertificate.html):

- RequestCertificate with ValidationMethod DNS makes a certificate PENDING_VALIDATION;
- each domain's CNAME record (DomainValidationOptions[].ResourceRecord: name ``_<hash>.<domain>.``, value
  ``_<hash>.<random>.acm-validations.aws.``; a wildcard ``*.example.com`` is validated by the record of example.com)
  appears in DescribeCertificate a few seconds after the request (``('acm', 'certificate', 'records')``);
- ACM issues the certificate once every domain's record resolves, in public DNS, to its value: here, a CNAME of that
  name with that value in the emulator's Route 53, in the public hosted zone DNS would ask (the longest zone name the
  record's name is in; of two zones of one name, the first made), and ``('acm', 'certificate', 'validating')`` later;
  a record removed before then is not seen;
- "If ACM cannot validate the domain within 72 hours from the time it generates a CNAME value for you, ACM changes
  the certificate status to Validation timed out" (the DNS validation page): VALIDATION_TIMED_OUT, each domain's
  ValidationStatus FAILED;
- GetCertificate of a certificate not issued: RequestInProgressException ("The certificate request is in process and
  the certificate in your account has not yet been issued", API_GetCertificate, Errors);
- a listener cannot use a certificate that is not issued: CreateListener, ModifyListener and AddListenerCertificates
  answer CertificateNotFound ("The specified certificate does not exist.",
  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html, Errors).

The issued certificate and its key are made by the emulator's CA (emulator.ca.issue, for the domain and its other
names), and GetCertificate's chain is the CA's certificate, so the HTTPS listeners of emulator.loadbalancer (which
read the bundle) serve a certificate that chains to the CA the instances trust. The CA's folder is the data plane's
(``use_ca_folder``, set by ``python -m emulator --dataplane-dir``), else $SEED_EMULATOR_CA_DIR, else a folder of the
process (the integration tests run the emulator without a data plane; ``GET /_seed/dataplane`` names its ca.crt).

The rules apply in the aws profile, at its pace and on its clock. In the moto profile a requested certificate is
issued at once (by the CA too). patch_acm() patches moto's models (the emulator's server and a unit test's in-process
moto alike); the :class:`Acm` hook gives them the profile in force and answers the refusals above.
"""

import hashlib
import json
import os
import tempfile
import threading

from emulator import ca, profile as profile_mod
from emulator.server import Hook

PROFILE = [profile_mod.Profile()]  # the profile in force: the Recorder's (through the Acm hook), else the default aws one
CA_FOLDER = []
STATE = {}  # certificate arn -> {'since', 'domains', 'seen'}
LOCK = threading.RLock()
PATCHED = []
VALIDATION_PAGE = 'https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html'


def use_ca_folder(folder):
    """Issue with the CA of ``folder`` (the data plane's, which the instances trust)."""
    CA_FOLDER[:] = [folder]


def ca_folder():
    if not CA_FOLDER:
        CA_FOLDER.append(os.environ.get('SEED_EMULATOR_CA_DIR') or tempfile.mkdtemp(prefix='seed-emulator-ca-'))
    return CA_FOLDER[0]


def fqdn(name):
    return (name or '').lower().rstrip('.') + '.'


def validation_record(account_id, domain):
    """(name, value) of a domain's CNAME, as ACM forms them; the same for the domain in the account."""
    base = domain[2:] if domain.startswith('*.') else domain
    digest = hashlib.sha256(('%s|%s' % (account_id, base.lower())).encode()).hexdigest()
    more = hashlib.sha256(digest.encode()).hexdigest()
    letters = ''.join(chr(ord('a') + int(c, 16) % 26) for c in more[32:42])
    return '_%s.%s.' % (digest[:32], base.lower()), '_%s.%s.acm-validations.aws.' % (more[:32], letters)


def _seconds(state):
    return PROFILE[0].seconds('acm', 'certificate', state)


def resolved(account_id, name):
    """The values of the CNAME ``name`` in the public hosted zone DNS would ask (None: no such record)."""
    try:
        from moto.route53.models import route53_backends
        zones = list(route53_backends[account_id]['aws'].zones.values())
    except Exception:  # pylint: disable=broad-except
        return None
    name = fqdn(name)
    within = [z for z in zones if not z.private_zone and (name == fqdn(z.name) or name.endswith('.' + fqdn(z.name)))]
    if not within:
        return None
    longest = max(len(fqdn(z.name)) for z in within)
    zone = [z for z in within if len(fqdn(z.name)) == longest][0]  # of two zones of one name: the first made
    for record in zone.rrsets:
        if fqdn(record.name) == name and record.type == 'CNAME':
            return [fqdn(v) for v in record.records or []]
    return None


def _records_shown(entry):
    return not PROFILE[0].strict or PROFILE[0].now() >= entry['since'] + _seconds('records')


def advance(bundle):
    """A requested certificate to where the clock and DNS say: VALIDATION_TIMED_OUT, ISSUED, or still pending."""
    with LOCK:
        entry = STATE.setdefault(bundle.arn, {'since': PROFILE[0].now(), 'domains': _domains(bundle), 'seen': None})
        if bundle.status != 'PENDING_VALIDATION':
            return
        now = PROFILE[0].now()
        if PROFILE[0].strict and now >= entry['since'] + _seconds('validation-timeout'):
            bundle.status = 'VALIDATION_TIMED_OUT'
            return
        if not PROFILE[0].strict:  # the moto profile: issued at once
            issue(bundle, entry['domains'])
            return
        account = bundle.arn.split(':')[4]
        every = _records_shown(entry) and all(
            resolved(account, n) == [v] for n, v in (validation_record(account, d) for d in entry['domains']))
        if not every:
            entry['seen'] = None  # a record removed before ACM issued is not seen
            return
        entry['seen'] = now if entry['seen'] is None else entry['seen']
        if now >= entry['seen'] + _seconds('validating'):
            issue(bundle, entry['domains'])


def _domains(bundle):
    names = [bundle.common_name] + sorted(n for n in bundle.sans if n != bundle.common_name)
    return [n.lower() for n in names if n]


def issue(bundle, domains):
    """The certificate issued: body and key by the emulator's CA, the chain its certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    cert, key = ca.issue(ca_folder(), domains)
    with open(ca.ensure(ca_folder())[0], 'rb') as f:
        root = f.read()
    bundle.cert, bundle.key, bundle.chain = cert.encode(), key.encode(), root
    bundle._cert = x509.load_pem_x509_certificate(bundle.cert)  # pylint: disable=protected-access
    bundle._key = serialization.load_pem_private_key(bundle.key, password=None)  # pylint: disable=protected-access
    bundle.sans = list(domains)
    bundle.issuer_common_name = 'seed emulator cloud root CA'
    bundle.status = 'ISSUED'


def describe_as_aws(bundle, result):
    """DescribeCertificate's answer of a requested certificate: each domain's record once ACM shows it, its status."""
    entry = STATE.get(bundle.arn)
    detail = result['Certificate']
    if bundle.type != 'AMAZON_ISSUED' or entry is None:
        return result
    status = {'ISSUED': 'SUCCESS', 'PENDING_VALIDATION': 'PENDING_VALIDATION'}.get(bundle.status, 'FAILED')
    options = []
    for domain in entry['domains']:
        option = {'DomainName': domain, 'ValidationDomain': domain, 'ValidationStatus': status, 'ValidationMethod': 'DNS'}
        if _records_shown(entry):
            name, value = validation_record(bundle.arn.split(':')[4], domain)
            option['ResourceRecord'] = {'Name': name, 'Type': 'CNAME', 'Value': value}
        options.append(option)
    detail['DomainValidationOptions'] = options
    detail['SubjectAlternativeNames'] = list(entry['domains'])
    if bundle.status != 'ISSUED':  # AWS gives these once it has issued the certificate
        for key in ('NotAfter', 'NotBefore', 'IssuedAt', 'Serial', 'Issuer', 'SignatureAlgorithm'):
            detail.pop(key, None)
    return result


def patch_acm():
    """moto's ACM as above; once per process."""
    if PATCHED:
        return
    from moto.acm.models import AWSCertificateManagerBackend, CertBundle
    check, describe = CertBundle.check, CertBundle.describe
    request_certificate = AWSCertificateManagerBackend.request_certificate

    def check_as_aws(self):
        if self.type == 'AMAZON_ISSUED' and self.status == 'PENDING_VALIDATION':
            advance(self)
        else:
            check(self)
    CertBundle.check = check_as_aws

    def describe_then_aws(self):
        return describe_as_aws(self, describe(self))
    CertBundle.describe = describe_then_aws

    def request_as_aws(self, domain_name, idempotency_token, subject_alt_names, tags, *args, **kwargs):
        # "Idempotency tokens time out after one hour" (API_RequestCertificate); what a token of a certificate deleted
        # within that hour answers is not documented: here a new certificate (moto failed with an internal error)
        made = self._idempotency_tokens.get(idempotency_token) if idempotency_token else None  # pylint: disable=protected-access
        if made is not None and made['arn'] not in self._certificates:  # pylint: disable=protected-access
            del self._idempotency_tokens[idempotency_token]  # pylint: disable=protected-access
        arn = request_certificate(self, domain_name, idempotency_token, subject_alt_names, tags, *args, **kwargs)
        bundle = self._certificates[arn]  # pylint: disable=protected-access
        with LOCK:
            if arn not in STATE and bundle.type == 'AMAZON_ISSUED':
                domains = [domain_name.lower()] + [n.lower() for n in subject_alt_names or [] if n.lower() != domain_name.lower()]
                STATE[arn] = {'since': PROFILE[0].now(), 'domains': domains, 'seen': None}
        return arn
    AWSCertificateManagerBackend.request_certificate = request_as_aws
    PATCHED.append(True)


def _acm_backend(region):
    try:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.acm.models import acm_backends
        return acm_backends[DEFAULT_ACCOUNT_ID][region]
    except Exception:  # pylint: disable=broad-except
        return None


class Acm(Hook):
    """The profile in force for the rules above, and AWS's refusals of a certificate that is not issued."""

    def __init__(self):
        patch_acm()

    @property
    def profile(self):
        return PROFILE[0]

    @profile.setter
    def profile(self, value):
        PROFILE[0] = value

    def reset(self):
        with LOCK:
            STATE.clear()

    def state(self):
        return {'acm_ca_certificate': os.path.join(ca_folder(), 'ca.crt')}

    def _status(self, region, arn):
        backend = _acm_backend(region)
        bundle = getattr(backend, '_certificates', {}).get(arn)
        if bundle is None:
            return None
        bundle.check()
        return bundle.status

    def refuse(self, action, form, region, environ, body):
        if action == 'GetCertificate':
            try:
                arn = json.loads(body or b'{}').get('CertificateArn')
            except ValueError:
                return None
            status = self._status(region, arn)
            if status is not None and status != 'ISSUED':
                return ('400 Bad Request', 'RequestInProgressException',
                        'Certificate %s is %s: the certificate request is in process and the certificate in your account has '
                        'not yet been issued.' % (arn, status))
        elif action in ('CreateListener', 'ModifyListener', 'AddListenerCertificates'):
            for key, arn in sorted(form.items()):
                if key.startswith('Certificates.member.') and key.endswith('.CertificateArn'):
                    status = self._status(region, arn)
                    if status is not None and status != 'ISSUED':
                        return ('400 Bad Request', 'CertificateNotFound', "Certificate '%s' not found" % arn)
        return None
