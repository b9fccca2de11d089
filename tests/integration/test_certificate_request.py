"""certificate requesting a certificate from ACM through ansible-playbook against the emulator, whose ACM issues it as
AWS does (emulator.acm): only once the DNS validation records resolve in its Route 53, signed by the emulator's CA. A
zone made with boto3 in the test; the module writes the records there and waits for ISSUED; the certificate chains to
the emulator's CA; a rerun only reads. Without the records it stays PENDING_VALIDATION and the timeout names them."""
import json
import urllib.request

import boto3

A = 'seed.laravel_aws.'


def client(aws, service):
    return boto3.client(service, region_name='us-east-1', endpoint_url=aws.url, aws_access_key_id='testing',
                        aws_secret_access_key='testing')


def task(title, **args):
    return {'name': title, A + 'certificate': args, 'register': 'cert', 'ignore_errors': True}


def the_emulators_ca(aws):
    from cryptography import x509
    with urllib.request.urlopen(aws.url + '/_seed/dataplane', timeout=30) as resp:
        path = json.loads(resp.read())['acm_ca_certificate']
    with open(path, 'rb') as f:
        return x509.load_pem_x509_certificate(f.read())


def test_requested_validated_in_the_zone_issued_by_the_emulators_ca_and_rerun_with_reads_only(playbook, aws):
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    route53 = client(aws, 'route53')
    zone_id = route53.create_hosted_zone(Name='example.com', CallerReference='it-cert')['HostedZone']['Id'].rsplit('/', 1)[-1]
    args = {'name': 'it-site', 'stack': 'it', 'domain_name': 'example.com', 'subject_alternative_names': ['www.example.com'],
            'validation_zone_id': zone_id, 'wait_timeout': 120}
    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access
    made = playbook([task('cert', **args)], diff=True)
    result = made.task('cert')
    assert made.rc == 0 and result['changed'], result.get('msg')
    cert = result['certificate']
    assert cert['status'] == 'ISSUED' and cert['subject_alternative_names'] == ['www.example.com']
    assert sorted(set(aws.mutating())) == ['ChangeResourceRecordSets', 'RequestCertificate']
    records = [(r['Name'], r['ResourceRecords'][0]['Value']) for r in
               route53.list_resource_record_sets(HostedZoneId=zone_id)['ResourceRecordSets'] if r['Type'] == 'CNAME']
    assert sorted(records) == sorted((r['name'], r['value']) for r in cert['validation_records'])

    body = client(aws, 'acm').get_certificate(CertificateArn=cert['arn'])
    issued = x509.load_pem_x509_certificate(body['Certificate'].encode())
    root = the_emulators_ca(aws)
    assert x509.load_pem_x509_certificate(body['CertificateChain'].encode()) == root
    root.public_key().verify(issued.signature, issued.tbs_certificate_bytes, ec.ECDSA(issued.signature_hash_algorithm))
    names = issued.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert sorted(names) == ['example.com', 'www.example.com']

    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access
    again = playbook([task('cert', **args)])
    assert again.task('cert')['changed'] is False and aws.mutating() == [], again.task('cert')
    assert again.task('cert')['certificate']['arn'] == cert['arn']


def test_without_the_records_it_stays_pending_and_the_timeout_names_them(playbook, aws):
    args = {'name': 'it-other', 'stack': 'it', 'domain_name': 'shop.example.org', 'wait_timeout': 6}
    failed = playbook([task('cert', **args)]).task('cert')
    assert failed['failed'] and failed['changed'] and 'status PENDING_VALIDATION' in failed['msg'], failed['msg']
    acm = client(aws, 'acm')
    (summary,) = [s for s in acm.list_certificates(Includes={'keyTypes': ['RSA_2048', 'EC_prime256v1']})['CertificateSummaryList']
                  if s['DomainName'] == 'shop.example.org']
    detail = acm.describe_certificate(CertificateArn=summary['CertificateArn'])['Certificate']
    assert detail['Status'] == 'PENDING_VALIDATION'
    (record,) = [o['ResourceRecord'] for o in detail['DomainValidationOptions']]
    assert '%s CNAME %s' % (record['Name'], record['Value']) in failed['msg']
    listed = playbook([task('cert', wait=False, **args)]).task('cert')
    assert listed['changed'] is False and listed['certificate']['validation_records'][0]['name'] == record['Name']
