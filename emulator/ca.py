"""The emulator's certificate authority: the cloud's own root, which its AMIs trust.

On AWS, the certificates of managed endpoints (ElastiCache's in-transit encryption, for one) chain
to Amazon's public roots, which Debian's ca-certificates already trusts. The emulator's stand-ins
cannot have such certificates, so the data plane signs them with this CA instead, and every
instance trusts it from its first boot (the cloud-init stand-in installs it from the instance's
metadata, as a root of the image's trust store). ACM's requested certificates (emulator.acm) are
signed by it too, so the demo's CA bundle (:func:`write_bundle`: the system's roots and this CA, as
a browser holds Amazon's roots) is what a client on this machine trusts them with.

The CA lives in the data plane's state folder (ca.crt, ca.key 0600) and is made once.

    python -m emulator.ca bundle FOLDER OUT [PEM ...]   the CA of FOLDER (made when missing) in a bundle OUT:
                                                        the system's roots, each PEM given, the CA
"""

import datetime
import os
import sys

from emulator.dataplane import write_atomic


def _names():
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    return x509, NameOID


def ensure(folder):
    """(cert path, key path) of the CA in folder, made when missing."""
    cert_path, key_path = os.path.join(folder, 'ca.crt'), os.path.join(folder, 'ca.key')
    if os.path.exists(cert_path) and os.path.exists(key_path):
        return cert_path, key_path
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    x509, NameOID = _names()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'seed emulator cloud root CA')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    os.makedirs(folder, exist_ok=True)
    write_atomic(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()).decode(), mode=0o600)
    write_atomic(cert_path, cert.public_bytes(serialization.Encoding.PEM).decode())
    return cert_path, key_path


def issue(folder, names):
    """(certificate PEM, key PEM) for the DNS names, signed by the CA in folder."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    x509, NameOID = _names()
    cert_path, key_path = ensure(folder)
    with open(cert_path, 'rb') as f:
        ca_cert = x509.load_pem_x509_certificate(f.read())
    with open(key_path, 'rb') as f:
        ca_key = serialization.load_pem_private_key(f.read(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())


SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'  # Debian's ca-certificates


def write_bundle(folder, path, extra=(), system=SYSTEM_BUNDLE):
    """A CA bundle at ``path`` (0644, replaced at once): the system's roots (when the file is there), each PEM file of
    ``extra``, and the CA of ``folder`` (made when missing). Returns the CA's certificate path."""
    cert_path = ensure(folder)[0]
    parts = []
    for source in ([system] if system and os.path.exists(system) else []) + list(extra) + [cert_path]:
        with open(source) as f:
            text = f.read().strip()
        if text:
            parts.append(text + '\n')
    write_atomic(os.path.abspath(path), ''.join(parts))
    return cert_path


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 3 or argv[0] != 'bundle':
        sys.exit('usage: python -m emulator.ca bundle FOLDER OUT [PEM ...]')
    print(write_bundle(argv[1], argv[2], argv[3:]))


if __name__ == '__main__':
    main()
