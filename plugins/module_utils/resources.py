# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's resources, one table: what a new resource is (one row, its file, its module's docs, its tests).

Each :data:`TABLE` row names a resource: the AWS service it lives in (botocore's name), the module that manages it
(``plugins/modules/<module>.py``), the resource file (``plugins/module_utils/<file>.py``, the protocol of
docs/architecture.md), the IAM actions the module needs (its own calls and those of the helpers it calls), and its
place in a stack's teardown (``teardown``: deleted in rising order; None for what teardown.yml does not delete itself).

What is derived from the table, or tested against it (tests/unit/plugins/module_utils/test_resources.py):

- ``meta/runtime.yml``'s action group ``aws``: the modules of the rows, then :data:`OTHER_MODULES`;
- the services the modules make clients for (:func:`services`);
- the IAM policy ``docs/iam-policy.json`` (``scripts/iam_policy.py`` writes it from :func:`policy`), and the
  operations the code calls (botocore_data.collection_operations), which must be exactly the table's;
- the order of the deletes in the stack role's teardown and in the network module's removal.

Plain data: importing this file imports nothing else, so a module, a test or a script reads it alike.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# The prefix of each service's actions in IAM (the Service Authorization Reference,
# https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
IAM_PREFIX = {'ec2': 'ec2', 'elbv2': 'elasticloadbalancing', 'acm': 'acm', 'rds': 'rds', 'elasticache': 'elasticache',
              's3': 's3', 'route53': 'route53', 'iam': 'iam', 'autoscaling': 'autoscaling'}

# The IAM actions of an API operation, where they are not the operation's own name ("Required permissions for Amazon S3 API
# operations", https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html); every other
# operation needs the action of its own name.
OPERATION_ACTIONS = {
    's3': {'HeadBucket': ('s3:ListBucket',), 'ListObjectVersions': ('s3:ListBucketVersions',),
           'GetBucketEncryption': ('s3:GetEncryptionConfiguration',), 'PutBucketEncryption': ('s3:PutEncryptionConfiguration',),
           'GetPublicAccessBlock': ('s3:GetBucketPublicAccessBlock',), 'PutPublicAccessBlock': ('s3:PutBucketPublicAccessBlock',),
           'DeleteBucketTagging': ('s3:PutBucketTagging',), 'DeleteObjects': ('s3:DeleteObject', 's3:DeleteObjectVersion'),
           # CreateBucket with ObjectOwnership also needs s3:PutBucketOwnershipControls (API_CreateBucket, Permissions)
           'CreateBucket': ('s3:CreateBucket', 's3:PutBucketOwnershipControls'),
           # HeadObject needs s3:GetObject, and s3:ListBucket to be told 404 rather than 403 (API_HeadObject, Permissions);
           # PutObject with a Tagging header needs s3:PutObjectTagging too (API_PutObject, Permissions)
           'HeadObject': ('s3:GetObject', 's3:ListBucket'), 'PutObject': ('s3:PutObject', 's3:PutObjectTagging'),
           'DeleteObjectTagging': ('s3:DeleteObjectTagging',)},
    # Tags given to a create need the tagging action too (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags_roles.html,
    # id_tags_instance-profiles.html); adding a role to an instance profile passes it: "The caller of this operation must
    # be granted the PassRole permission on the IAM role" (API_AddRoleToInstanceProfile).
    'iam': {'CreateRole': ('iam:CreateRole', 'iam:TagRole'),
            'CreateInstanceProfile': ('iam:CreateInstanceProfile', 'iam:TagInstanceProfile'),
            'AddRoleToInstanceProfile': ('iam:AddRoleToInstanceProfile', 'iam:PassRole')},
}

_EC2_TAGS = ('ec2:CreateTags', 'ec2:DeleteTags')
_ELB_TAGS = ('elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags', 'elasticloadbalancing:DescribeTags')
_RDS_TAGS = ('rds:AddTagsToResource', 'rds:RemoveTagsFromResource', 'rds:ListTagsForResource')
_EC_TAGS = ('elasticache:AddTagsToResource', 'elasticache:RemoveTagsFromResource', 'elasticache:ListTagsForResource')


class Row:
    """One resource of the table."""

    __slots__ = ('name', 'service', 'module', 'file', 'actions', 'teardown')

    def __init__(self, name, service, actions, teardown=None, module=None, file=None):
        self.name = name
        self.service = service
        self.module = module or name
        self.file = file or name
        self.actions = tuple(sorted(set(actions)))
        self.teardown = teardown

    def __repr__(self):
        return 'Row(%r)' % self.name


TABLE = (
    # DNS: a record goes before the load balancer it points to
    Row('route53_record', 'route53', (
        'route53:ChangeResourceRecordSets', 'route53:GetChange', 'route53:GetHostedZone', 'route53:ListHostedZonesByName',
        'route53:ListResourceRecordSets', 'route53:ListTagsForResource'), teardown=5),
    # load balancing: the load balancer first (its listeners, then its target groups), then what it used
    Row('load_balancer', 'elbv2', _ELB_TAGS + (
        'elasticloadbalancing:CreateListener', 'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup',
        'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:DeleteTargetGroup',
        'elasticloadbalancing:CreateRule', 'elasticloadbalancing:ModifyRule', 'elasticloadbalancing:DeleteRule',
        'elasticloadbalancing:DescribeRules',
        'elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeLoadBalancerAttributes', 'elasticloadbalancing:DescribeLoadBalancers',
        'elasticloadbalancing:DescribeTargetGroupAttributes', 'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetHealth', 'elasticloadbalancing:ModifyListener',
        'elasticloadbalancing:ModifyLoadBalancerAttributes', 'elasticloadbalancing:ModifyTargetGroup',
        'elasticloadbalancing:ModifyTargetGroupAttributes', 'elasticloadbalancing:RegisterTargets',
        'elasticloadbalancing:SetSecurityGroups', 'elasticloadbalancing:SetSubnets',
        'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeInstances', 'acm:DescribeCertificate'), teardown=10),
    # a target's membership goes with its target group
    Row('target', 'elbv2', (
        'elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetHealth', 'elasticloadbalancing:DescribeTags', 'ec2:DescribeInstances')),
    # imported, or requested with its DNS validation records in a Route 53 zone
    Row('certificate', 'acm', (
        'acm:AddTagsToCertificate', 'acm:DeleteCertificate', 'acm:DescribeCertificate', 'acm:GetCertificate', 'acm:ImportCertificate',
        'acm:ListCertificates', 'acm:ListTagsForCertificate', 'acm:RemoveTagsFromCertificate', 'acm:RequestCertificate',
        'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeTags',
        'route53:ChangeResourceRecordSets', 'route53:GetHostedZone', 'route53:ListResourceRecordSets'), teardown=20),
    # a stack's own hosted zone, once its records are gone
    Row('route53_zone', 'route53', (
        'route53:CreateHostedZone', 'route53:DeleteHostedZone', 'route53:GetHostedZone', 'route53:ListHostedZonesByName',
        'route53:ListResourceRecordSets', 'route53:ListTagsForResource', 'route53:ChangeTagsForResource',
        'route53:UpdateHostedZoneComment'), teardown=25),
    # artifacts: kept by a teardown unless it is asked for (-e delete_artifacts=true), after the hosts, before the network
    Row('s3_bucket', 's3', (
        's3:CreateBucket', 's3:PutBucketOwnershipControls', 's3:DeleteBucket', 's3:ListBucket', 's3:GetBucketLocation',
        's3:GetBucketTagging', 's3:PutBucketTagging', 's3:GetEncryptionConfiguration', 's3:PutEncryptionConfiguration',
        's3:GetBucketVersioning', 's3:PutBucketVersioning', 's3:GetBucketPublicAccessBlock', 's3:PutBucketPublicAccessBlock',
        's3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:ListBucketVersions', 's3:DeleteObject',
        's3:DeleteObjectVersion'), teardown=85),
    # an object of a bucket (a release and its pointer): kept by a teardown, with its bucket
    Row('s3_object', 's3', (
        's3:PutObject', 's3:GetObject', 's3:ListBucket', 's3:DeleteObject', 's3:GetObjectTagging', 's3:PutObjectTagging',
        's3:DeleteObjectTagging', 's3:GetBucketTagging')),
    # the web tier as an Auto Scaling group: the group first (its instances drained and terminated), its launch template,
    # the images baked for it
    Row('autoscaling_group', 'autoscaling', (
        'autoscaling:CreateAutoScalingGroup', 'autoscaling:UpdateAutoScalingGroup', 'autoscaling:DeleteAutoScalingGroup',
        'autoscaling:DescribeAutoScalingGroups', 'autoscaling:CreateOrUpdateTags', 'autoscaling:DeleteTags',
        'autoscaling:AttachLoadBalancerTargetGroups', 'autoscaling:DetachLoadBalancerTargetGroups',
        'autoscaling:StartInstanceRefresh', 'autoscaling:DescribeInstanceRefreshes', 'ec2:DescribeLaunchTemplates',
        'ec2:DescribeSubnets', 'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTags',
        'elasticloadbalancing:DescribeTargetHealth'), teardown=6),
    # a target tracking policy of an Auto Scaling group (DeleteAutoScalingGroup deletes a group's policies with it)
    Row('scaling_policy', 'autoscaling', (
        'autoscaling:PutScalingPolicy', 'autoscaling:DescribePolicies', 'autoscaling:DeletePolicy',
        'autoscaling:DescribeAutoScalingGroups')),
    # what an Auto Scaling group launches: image, type, groups, IMDSv2, root volume, user data, profile
    Row('launch_template', 'ec2', _EC2_TAGS + (
        'ec2:CreateLaunchTemplate', 'ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate', 'ec2:DeleteLaunchTemplate',
        'ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplateVersions', 'ec2:DescribeImages', 'ec2:DescribeSecurityGroups'),
        teardown=7),
    # an AMI baked from one of the stack's instances (the web tier's image), with its snapshots
    Row('image', 'ec2', _EC2_TAGS + (
        'ec2:CreateImage', 'ec2:DeregisterImage', 'ec2:DescribeImages', 'ec2:DescribeInstances', 'ec2:DescribeSnapshots',
        'ec2:DeleteSnapshot'), teardown=8),
    # the instances' identity: the instance profile, then the role it carries (after the instances that run with it)
    Row('instance_profile', 'iam', (
        'iam:CreateInstanceProfile', 'iam:DeleteInstanceProfile', 'iam:GetInstanceProfile', 'iam:AddRoleToInstanceProfile',
        'iam:RemoveRoleFromInstanceProfile', 'iam:TagInstanceProfile', 'iam:UntagInstanceProfile', 'iam:GetRole',
        'iam:PassRole'), teardown=72),
    Row('iam_role', 'iam', (
        'iam:CreateRole', 'iam:DeleteRole', 'iam:GetRole', 'iam:UpdateRole', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole',
        'iam:UntagRole', 'iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies',
        'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:PutRolePermissionsBoundary',
        'iam:DeleteRolePermissionsBoundary', 'iam:ListInstanceProfilesForRole', 'iam:RemoveRoleFromInstanceProfile',
        'iam:GetInstanceProfile'), teardown=74),
    # the data tier: each instance, then its subnet group
    Row('rds_instance', 'rds', _RDS_TAGS + (
        'rds:CreateDBInstance', 'rds:DeleteDBInstance', 'rds:DescribeDBInstances', 'rds:DescribeDBSnapshots',
        'rds:DescribeDBSubnetGroups', 'rds:DescribeOrderableDBInstanceOptions', 'rds:ModifyDBInstance',
        'ec2:DescribeSecurityGroups'), teardown=30),
    Row('db_subnet_group', 'rds', _RDS_TAGS + (
        'rds:CreateDBSubnetGroup', 'rds:DeleteDBSubnetGroup', 'rds:DescribeDBSubnetGroups', 'rds:ModifyDBSubnetGroup',
        'rds:DescribeDBInstances', 'ec2:DescribeSubnets'), teardown=40),
    Row('cache_cluster', 'elasticache', _EC_TAGS + (
        'elasticache:CreateReplicationGroup', 'elasticache:DeleteReplicationGroup', 'elasticache:DescribeCacheClusters',
        'elasticache:DescribeCacheSubnetGroups', 'elasticache:DescribeReplicationGroups', 'elasticache:ModifyReplicationGroup',
        'ec2:DescribeSecurityGroups'), teardown=50),
    Row('cache_subnet_group', 'elasticache', _EC_TAGS + (
        'elasticache:CreateCacheSubnetGroup', 'elasticache:DeleteCacheSubnetGroup', 'elasticache:DescribeCacheSubnetGroups',
        'elasticache:ModifyCacheSubnetGroup', 'elasticache:DescribeCacheClusters', 'ec2:DescribeSubnets'), teardown=60),
    # the hosts, then their key
    Row('instance', 'ec2', _EC2_TAGS + (
        'ec2:RunInstances', 'ec2:TerminateInstances', 'ec2:StartInstances', 'ec2:StopInstances', 'ec2:ModifyInstanceAttribute',
        'ec2:DescribeInstances', 'ec2:DescribeImages', 'ec2:DescribeInstanceTypes', 'ec2:DescribeSecurityGroups',
        'ec2:DescribeSubnets'), teardown=70),
    Row('key_pair', 'ec2', _EC2_TAGS + ('ec2:CreateKeyPair', 'ec2:ImportKeyPair', 'ec2:DeleteKeyPair', 'ec2:DescribeKeyPairs'),
        teardown=80),
    # the network (the network module removes these in this order)
    Row('security_group', 'ec2', _EC2_TAGS + (
        'ec2:CreateSecurityGroup', 'ec2:DeleteSecurityGroup', 'ec2:DescribeSecurityGroups', 'ec2:AuthorizeSecurityGroupIngress',
        'ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress',
        'ec2:UpdateSecurityGroupRuleDescriptionsIngress', 'ec2:UpdateSecurityGroupRuleDescriptionsEgress',
        'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs'), teardown=90),
    Row('route_table', 'ec2', _EC2_TAGS + (
        'ec2:CreateRouteTable', 'ec2:DeleteRouteTable', 'ec2:DescribeRouteTables', 'ec2:CreateRoute', 'ec2:DeleteRoute',
        'ec2:ReplaceRoute', 'ec2:AssociateRouteTable', 'ec2:DisassociateRouteTable', 'ec2:ReplaceRouteTableAssociation',
        'ec2:DescribeSubnets', 'ec2:DescribeVpcs'), teardown=100),
    Row('nat_gateway', 'ec2', _EC2_TAGS + (
        'ec2:CreateNatGateway', 'ec2:DeleteNatGateway', 'ec2:DescribeNatGateways', 'ec2:DescribeAddresses', 'ec2:DescribeSubnets',
        'ec2:DescribeNetworkInterfaces'), teardown=110),
    Row('elastic_ip', 'ec2', _EC2_TAGS + (
        'ec2:AllocateAddress', 'ec2:ReleaseAddress', 'ec2:DisassociateAddress', 'ec2:DescribeAddresses'), teardown=120),
    Row('internet_gateway', 'ec2', _EC2_TAGS + (
        'ec2:CreateInternetGateway', 'ec2:DeleteInternetGateway', 'ec2:AttachInternetGateway', 'ec2:DetachInternetGateway',
        'ec2:DescribeInternetGateways', 'ec2:DescribeAddresses', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs'),
        teardown=130),
    Row('subnet', 'ec2', _EC2_TAGS + (
        'ec2:CreateSubnet', 'ec2:DeleteSubnet', 'ec2:DescribeSubnets', 'ec2:ModifySubnetAttribute', 'ec2:DescribeAvailabilityZones',
        'ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs'), teardown=140),
    Row('vpc', 'ec2', _EC2_TAGS + (
        'ec2:CreateVpc', 'ec2:DeleteVpc', 'ec2:DescribeVpcs', 'ec2:DescribeVpcAttribute', 'ec2:ModifyVpcAttribute',
        'ec2:DescribeSubnets', 'ec2:DescribeInternetGateways', 'ec2:DescribeNatGateways', 'ec2:DescribeRouteTables',
        'ec2:DescribeSecurityGroups', 'ec2:DescribeNetworkInterfaces'), teardown=150),
)

# The modules that manage no resource of their own, with the actions they add to their rows' (all read-only):
# network (the rows it composes: vpc to security_group, and elastic_ip), preflight and stack_info (reads), and the
# inventory plugin (plugins/inventory/ec2.py).
OTHER_MODULES = (
    ('network', ('vpc', 'subnet', 'internet_gateway', 'nat_gateway', 'elastic_ip', 'route_table', 'security_group'),
     ('ec2:DescribeInstances',)),
    ('preflight', (), ('ec2:DescribeAvailabilityZones', 'ec2:DescribeImages', 'ec2:DescribeInstanceTypes', 'ec2:DescribeKeyPairs',
                       'ec2:DescribeSubnets', 'ec2:DescribeVpcs', 'route53:ListHostedZonesByName', 'route53:ListTagsForResource')),
    ('stack_info', (), ('ec2:DescribeAddresses', 'ec2:DescribeImages', 'ec2:DescribeInstances', 'ec2:DescribeInternetGateways', 'ec2:DescribeKeyPairs',
                        'ec2:DescribeNatGateways', 'ec2:DescribeRouteTables', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets',
                        'ec2:DescribeVolumes', 'ec2:DescribeVpcs', 'elasticloadbalancing:DescribeListeners',
                        'elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeTargetGroups',
                        'elasticloadbalancing:DescribeTags', 'acm:DescribeCertificate', 'acm:ListCertificates',
                        'acm:ListTagsForCertificate', 'rds:DescribeDBInstances', 'rds:DescribeDBSnapshots',
                        'rds:DescribeDBSubnetGroups', 'rds:ListTagsForResource', 'elasticache:DescribeCacheSubnetGroups',
                        'elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource')),
)
INVENTORY_ACTIONS = ('ec2:DescribeInstances',)

ROWS = dict((row.name, row) for row in TABLE)


def row(name):
    """The row of resource ``name`` (KeyError names the rows there are)."""
    try:
        return ROWS[name]
    except KeyError:
        raise KeyError('%s is not in the resource table (plugins/module_utils/resources.py): %s' % (name, ', '.join(sorted(ROWS))))


def action_group():
    """meta/runtime.yml's action group ``aws``: every module of the table, then the others."""
    return [r.module for r in TABLE] + [name for name, dummy, dummy2 in OTHER_MODULES]


def services():
    """The services the modules call, in the table's order (first use)."""
    out = []
    for r in TABLE:
        for action in r.actions:
            service = service_of_action(action)
            if service not in out:
                out.append(service)
    return out


def actions_of(service, operation):
    """The IAM actions an API ``operation`` of ``service`` needs (OPERATION_ACTIONS, else its own name)."""
    return OPERATION_ACTIONS.get(service, {}).get(operation) or ('%s:%s' % (IAM_PREFIX[service], operation),)


def service_of_action(action):
    """botocore's service name of an IAM action (``elasticloadbalancing:AddTags`` -> ``elbv2``)."""
    prefix = action.split(':', 1)[0]
    return dict((v, k) for k, v in IAM_PREFIX.items())[prefix]


def actions():
    """Every IAM action of the collection: the rows', the other modules', the inventory plugin's; sorted, once each."""
    every = set(INVENTORY_ACTIONS)
    for r in TABLE:
        every.update(r.actions)
    for dummy, dummy2, extra in OTHER_MODULES:
        every.update(extra)
    return sorted(every)


def teardown_order():
    """The resources a stack's teardown deletes, in the order it deletes them."""
    return [r.name for r in sorted((r for r in TABLE if r.teardown is not None), key=lambda r: r.teardown)]


READ_PREFIXES = ('Describe', 'Get', 'List')
SIDS = {'ec2': 'Ec2', 'elbv2': 'LoadBalancing', 'acm': 'Certificates', 'rds': 'Rds', 'elasticache': 'ElastiCache', 's3': 'S3',
        'route53': 'Route53', 'iam': 'Iam', 'autoscaling': 'AutoScaling'}


def statements():
    """[(Sid, service, actions)]: per service, its reads (Describe*, Get*, List*: AWS evaluates most against
    ``"Resource": "*"`` only) apart from its changes (which a Condition on the Stack tag can narrow)."""
    out = []
    every = actions()
    for service in sorted(set(service_of_action(a) for a in every), key=lambda s: (s != 'ec2', services().index(s))):
        prefix = IAM_PREFIX[service]
        mine = [a for a in every if a.split(':', 1)[0] == prefix]
        reads = [a for a in mine if a.split(':', 1)[1].startswith(READ_PREFIXES)]
        for kind, listed in (('Read', reads), ('Change', [a for a in mine if a not in reads])):
            if listed:
                out.append((SIDS[service] + kind, service, listed))
    return out


def users(listed):
    """The modules whose rows (or extra reads) need one of the actions ``listed``, in the action group's order."""
    wanted = set(listed)
    named = [r.module for r in TABLE if wanted & set(r.actions)]
    named += [name for name, rows, extra in OTHER_MODULES
              if wanted & set(extra).union(*[ROWS[n].actions for n in rows])]
    return named + (['the inventory plugin'] if wanted & set(INVENTORY_ACTIONS) else [])


def policy():
    """The collection's IAM policy document (:func:`statements`), each action by name, no wildcard."""
    return {'Version': '2012-10-17',
            'Statement': [{'Sid': sid, 'Effect': 'Allow', 'Action': listed, 'Resource': '*'} for sid, dummy, listed in statements()]}
