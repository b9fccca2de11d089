"""What is left of a stack in the emulator (or an AWS account): every resource tagged Stack=<name>.

    .venv/bin/python scripts/stack_left.py --endpoint-url http://127.0.0.1:5000 demo
    .venv/bin/python scripts/stack_left.py --domain shop.example.com demo     with the stack's domain too

Prints one line per resource and exits 1 when something is left, 0 when nothing is.
DNS: the Route 53 hosted zones tagged Stack=<name> and the records they hold beyond SOA and NS; with --domain, in every
public zone that holds the domain, the A/AAAA records of the domain and of www.<domain> that are aliases to the stack's
load balancer (its name: --alb-name, <name>-alb by default), and the ACM validation CNAMEs of those names that no
certificate of the account still uses (what the stack's certificate had written). A zone of yours is not counted.
Each type is listed with its own Describe call (moto's DescribeTags keeps the tags of
deleted resources); terminated instances and deleted NAT gateways do not count.
The RDS snapshots of the stack (teardown.yml's final snapshot) are what a teardown keeps on
purpose: each is printed as "kept: DB snapshot <name>", and does not count as left; so is the artifact bucket of the web
tier as an Auto Scaling group (--artifact-bucket, <name>-<region>-artifacts by default), kept unless the teardown was
run with -e delete_artifacts=true. The web tier's group, launch template, images, role and instance profile (by their
Stack tag; the role and profile by their name, --web-name, <name>-web by default) count as left.
"""
import argparse
import re
import sys

import boto3


KEY_TYPES = ['RSA_1024', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_prime256v1', 'EC_secp384r1', 'EC_secp521r1']


def left_of_stack(ec2, stack):
    f = [{'Name': 'tag:Stack', 'Values': [stack]}]
    found = []
    for r in ec2.describe_instances(Filters=f)['Reservations']:
        found += ['instance %s (%s)' % (i['InstanceId'], i['State']['Name']) for i in r['Instances']
                  if i['State']['Name'] != 'terminated']
    found += ['key pair %s' % k['KeyName'] for k in ec2.describe_key_pairs(Filters=f)['KeyPairs']]
    found += ['NAT gateway %s' % n['NatGatewayId'] for n in ec2.describe_nat_gateways(Filter=f)['NatGateways']
              if n['State'] not in ('deleted', 'failed')]
    found += ['elastic IP %s' % a['AllocationId'] for a in ec2.describe_addresses(Filters=f)['Addresses']]
    found += ['route table %s' % t['RouteTableId'] for t in ec2.describe_route_tables(Filters=f)['RouteTables']]
    found += ['security group %s' % g['GroupId'] for g in ec2.describe_security_groups(Filters=f)['SecurityGroups']]
    found += ['subnet %s' % s['SubnetId'] for s in ec2.describe_subnets(Filters=f)['Subnets']]
    found += ['internet gateway %s' % g['InternetGatewayId']
              for g in ec2.describe_internet_gateways(Filters=f)['InternetGateways']]
    found += ['VPC %s' % v['VpcId'] for v in ec2.describe_vpcs(Filters=f)['Vpcs']]
    return found


def left_of_load_balancing(elbv2, acm, stack):
    """The stack's load balancers, target groups and imported certificates (by their Stack tag)."""
    def tagged(arns):
        out = []
        for i in range(0, len(arns), 20):
            for d in elbv2.describe_tags(ResourceArns=arns[i:i + 20])['TagDescriptions']:
                if any(t['Key'] == 'Stack' and t['Value'] == stack for t in d.get('Tags', [])):
                    out.append(d['ResourceArn'])
        return out
    found = ['load balancer %s' % a for a in tagged([lb['LoadBalancerArn'] for lb in elbv2.describe_load_balancers()['LoadBalancers']])]
    found += ['target group %s' % a for a in tagged([g['TargetGroupArn'] for g in elbv2.describe_target_groups()['TargetGroups']])]
    for c in acm.list_certificates(Includes={'keyTypes': KEY_TYPES})['CertificateSummaryList']:
        tags = acm.list_tags_for_certificate(CertificateArn=c['CertificateArn']).get('Tags', [])
        if any(t['Key'] == 'Stack' and t.get('Value') == stack for t in tags):
            found.append('certificate %s' % c['CertificateArn'])
    return found


def _tagged(tags, stack):
    return any(t['Key'] == 'Stack' and t.get('Value') == stack for t in tags or [])


def left_of_data_tier(rds, elasticache, stack):
    """The stack's RDS instances and DB subnet groups, Redis clusters and cache subnet groups; and its kept snapshots."""
    def rds_tags(arn):
        return rds.list_tags_for_resource(ResourceName=arn).get('TagList', [])

    def cache_tags(arn):
        return elasticache.list_tags_for_resource(ResourceName=arn).get('TagList', [])
    found = ['RDS instance %s (%s)' % (d['DBInstanceIdentifier'], d['DBInstanceStatus'])
             for d in rds.describe_db_instances()['DBInstances'] if _tagged(rds_tags(d['DBInstanceArn']), stack)]
    found += ['DB subnet group %s' % g['DBSubnetGroupName'] for g in rds.describe_db_subnet_groups()['DBSubnetGroups']
              if _tagged(rds_tags(g['DBSubnetGroupArn']), stack)]
    found += ['Redis cluster %s (%s)' % (g['ReplicationGroupId'], g['Status'])
              for g in elasticache.describe_replication_groups()['ReplicationGroups'] if _tagged(cache_tags(g['ARN']), stack)]
    found += ['cache subnet group %s' % g['CacheSubnetGroupName'] for g in elasticache.describe_cache_subnet_groups()['CacheSubnetGroups']
              if _tagged(cache_tags(g['ARN']), stack)]
    kept = ['kept: DB snapshot %s' % s['DBSnapshotIdentifier'] for s in rds.describe_db_snapshots(SnapshotType='manual')['DBSnapshots']
            if _tagged(s.get('TagList') or rds_tags(s['DBSnapshotArn']), stack)]
    return found, kept


def left_of_web_tier(autoscaling, ec2, iam, s3, stack, web_name, bucket):
    """The web tier as an Auto Scaling group: its group, launch templates and images (by their Stack tag), its role and
    instance profile (by name, tagged with the stack); and its artifact bucket, which a teardown keeps."""
    f = [{'Name': 'tag:Stack', 'Values': [stack]}]
    found = ['Auto Scaling group %s' % g['AutoScalingGroupName'] for g in autoscaling.describe_auto_scaling_groups()['AutoScalingGroups']
             if _tagged(g.get('Tags'), stack)]
    found += ['launch template %s' % t['LaunchTemplateName'] for t in ec2.describe_launch_templates(Filters=f)['LaunchTemplates']]
    found += ['image %s (%s)' % (i['Name'], i['ImageId']) for i in ec2.describe_images(Owners=['self'], Filters=f)['Images']]
    for kind, read, key in (('IAM role', lambda: iam.get_role(RoleName=web_name)['Role'], 'RoleName'),
                            ('instance profile', lambda: iam.get_instance_profile(InstanceProfileName=web_name)['InstanceProfile'],
                             'InstanceProfileName')):
        try:
            item = read()
        except iam.exceptions.NoSuchEntityException:
            continue
        if _tagged(item.get('Tags'), stack):
            found.append('%s %s' % (kind, item[key]))
    kept = []
    try:
        tags = s3.get_bucket_tagging(Bucket=bucket).get('TagSet')
    except s3.exceptions.ClientError as exc:
        if exc.response['Error']['Code'] not in ('NoSuchBucket', 'NoSuchTagSet', '404'):
            raise
        tags = None
    if _tagged(tags, stack):
        kept.append('kept: S3 bucket %s (its releases; teardown.yml -e delete_artifacts=true deletes them)' % bucket)
    return found, kept


def _fqdn(name):
    return re.sub(r'\\(\d{3})', lambda m: chr(int(m.group(1), 8)), name or '').lower().rstrip('.') + '.'


def _records(route53, zone_id):
    out, kwargs = [], {'HostedZoneId': zone_id}
    while True:
        page = route53.list_resource_record_sets(**kwargs)
        out += page.get('ResourceRecordSets') or []
        if not page.get('IsTruncated'):
            return out
        kwargs.update(StartRecordName=page['NextRecordName'], StartRecordType=page['NextRecordType'])


def _validation_names_in_use(acm, stack):
    """The validation record names of the account's requested certificates that are not the stack's."""
    names = set()
    for c in acm.list_certificates(Includes={'keyTypes': KEY_TYPES})['CertificateSummaryList']:
        if _tagged(acm.list_tags_for_certificate(CertificateArn=c['CertificateArn']).get('Tags'), stack):
            continue
        detail = acm.describe_certificate(CertificateArn=c['CertificateArn'])['Certificate']
        names.update(_fqdn(o['ResourceRecord']['Name']) for o in detail.get('DomainValidationOptions') or [] if o.get('ResourceRecord'))
    return names


def _zones(route53):
    """Every hosted zone of the account, through ListHostedZonesByName (the read the collection's policy allows,
    so a request log of a run that ends with this listing still holds only the policy's actions), page by page."""
    zones, kwargs = [], {}
    while True:
        page = route53.list_hosted_zones_by_name(**kwargs)
        zones += page.get('HostedZones') or []
        if not page.get('IsTruncated'):
            return zones
        kwargs = {'DNSName': page['NextDNSName'], 'HostedZoneId': page['NextHostedZoneId']}


def left_of_dns(route53, acm, stack, domain=None, alb_name=None, region='us-east-1'):
    """The stack's hosted zones (tagged Stack=<stack>) with the records they hold beyond SOA and NS; with ``domain``, the
    stack's alias records and validation CNAMEs in the public zones that hold it."""
    found = []
    zones = _zones(route53)
    for z in zones:
        zid = z['Id'].rsplit('/', 1)[-1]
        tags = route53.list_tags_for_resource(ResourceType='hostedzone', ResourceId=zid).get('ResourceTagSet', {}).get('Tags')
        if not _tagged(tags, stack):
            continue
        found.append('hosted zone %s (%s)' % (_fqdn(z['Name']), zid))
        found += ['record %s %s in zone %s' % (_fqdn(r['Name']), r['Type'], zid) for r in _records(route53, zid)
                  if not (r['Type'] in ('SOA', 'NS') and _fqdn(r['Name']) == _fqdn(z['Name']))]
    if not domain:
        return found
    names = [_fqdn(domain), _fqdn('www.' + domain.rstrip('.'))]
    lb_name = re.escape((alb_name or stack + '-alb').lower())
    alb = re.compile(r'^(dualstack\.)?%s-[0-9a-z]+\.%s\.elb\.amazonaws\.com\.$' % (lb_name, re.escape(region)))
    in_use = _validation_names_in_use(acm, stack)
    for z in zones:
        zone = _fqdn(z['Name'])
        if (z.get('Config') or {}).get('PrivateZone') or not any(n == zone or n.endswith('.' + zone) for n in names):
            continue
        zid = z['Id'].rsplit('/', 1)[-1]
        for r in _records(route53, zid):
            name = _fqdn(r['Name'])
            line = 'record %s %s in zone %s' % (name, r['Type'], zid)
            if line in found:
                continue
            if r['Type'] in ('A', 'AAAA') and name in names and alb.match(_fqdn((r.get('AliasTarget') or {}).get('DNSName'))):
                found.append(line)
            elif (r['Type'] == 'CNAME' and name not in in_use and any(name.endswith('.' + n) and name.startswith('_') for n in names)
                  and all(_fqdn(v['Value']).endswith('.acm-validations.aws.') for v in r.get('ResourceRecords') or [])):
                found.append(line + ' (certificate validation)')
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('stack')
    parser.add_argument('--endpoint-url')
    parser.add_argument('--region', default='us-east-1')
    parser.add_argument('--domain', help="the stack's domain (the variable domain), to find its records in a zone of yours")
    parser.add_argument('--alb-name', help="the stack's load balancer (stack_alb_name), <stack>-alb by default")
    parser.add_argument('--web-name', help="the web tier's role and instance profile, <stack>-web by default")
    parser.add_argument('--artifact-bucket', help="the web tier's artifact bucket, <stack>-<region>-artifacts by default")
    args = parser.parse_args()
    ec2 = boto3.client('ec2', region_name=args.region, endpoint_url=args.endpoint_url)
    left = left_of_stack(ec2, args.stack) + left_of_load_balancing(
        boto3.client('elbv2', region_name=args.region, endpoint_url=args.endpoint_url),
        boto3.client('acm', region_name=args.region, endpoint_url=args.endpoint_url), args.stack)
    data, kept = left_of_data_tier(boto3.client('rds', region_name=args.region, endpoint_url=args.endpoint_url),
                                   boto3.client('elasticache', region_name=args.region, endpoint_url=args.endpoint_url), args.stack)
    left += data

    def client(name):
        return boto3.client(name, region_name=args.region, endpoint_url=args.endpoint_url)
    web, web_kept = left_of_web_tier(client('autoscaling'), ec2, client('iam'), client('s3'), args.stack,
                                     args.web_name or args.stack + '-web',
                                     args.artifact_bucket or '%s-%s-artifacts' % (args.stack, args.region))
    left += web
    kept += web_kept
    left += left_of_dns(boto3.client('route53', region_name=args.region, endpoint_url=args.endpoint_url),
                        boto3.client('acm', region_name=args.region, endpoint_url=args.endpoint_url), args.stack,
                        args.domain, args.alb_name, args.region)
    for line in left + kept:
        print(line)
    return 1 if left else 0


if __name__ == '__main__':
    sys.exit(main())
