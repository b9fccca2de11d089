"""Where moto answers otherwise than AWS, and the collection depends on AWS's answer.

patch_moto() changes moto's models in this process (the emulator's server, or a unit test's
in-process moto) so that they behave as AWS documents:

- RunInstances: the primary interface that a launch creates has DeleteOnTermination true (moto
  says false), so TerminateInstances deletes it; a terminated instance keeps nothing in its
  subnet or security groups.
- RunInstances with a LaunchTemplate, and an Auto Scaling group's launches: the template's instance profile and
  metadata options (IMDSv2 required) reach the instance unless the launch gave its own (from_template); moto dropped
  both.
- DeleteNatGateway: the gateway's interface is deleted and its Elastic IP disassociated (moto
  keeps both), so the subnet and the address are free once the gateway is deleted (in the aws
  profile, emulator.lifecycle does it when the gateway's deleting state is over).
- A load balancer that emulator.lifecycle walks (the aws profile) stays provisioning until its time
  is over; moto makes every load balancer active at the first describe.
- ImportKeyPair: an ed25519 key's fingerprint is the base64 SHA-256 of the key, as
  `ssh-keygen -l` prints it (moto gives a hex SHA-256 of its DER form).
- DescribeImages: the Debian 12 and 13 images under Debian's owner id and name pattern, as Debian
  publishes them in every region (emulator.amis), so a stack spec written for AWS resolves its
  image unchanged.
- ImportCertificate with a CertificateArn (a re-import): the certificate keeps its tags, as on
  AWS (moto makes a new bundle under the ARN and drops them), so it is found again by its Name tag.
- DeleteListener, DeleteLoadBalancer: a certificate the listeners used is no longer in use
  (moto keeps the listener in the certificate's InUseBy for ever), so it can be deleted after them
  (in the aws profile, emulator.lifecycle keeps it in use a while longer, as AWS does).
- DeregisterTargets of a target that is not registered: "If the specified target does not exist,
  the action returns successfully" (the ELBv2 API reference); moto answers InvalidTarget, which
  would make a client's retry of a lost answer fail.
- CreateLoadBalancer without a Scheme: "The default is an Internet-facing load balancer" (the ELBv2 API reference,
  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html); moto passes the
  missing parameter on as None, answers no Scheme, and the data plane's network took it for an internal one.
- CreateBucket: a new S3 bucket is encrypted with SSE-S3, has all four public access blocks on and ACLs
  disabled (object ownership BucketOwnerEnforced), as AWS makes every new bucket since 2023
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html: "all new buckets ... SSE-S3
  as the base level of encryption"; https://docs.aws.amazon.com/AmazonS3/latest/userguide/create-bucket-overview.html:
  "S3 Block Public Access ... enabled", "ACLs disabled" by default); moto makes it with none of them.
- Launch templates (emulator.launch_templates): CreateLaunchTemplateVersion's SourceVersion inherited, the template's
  own tags kept out of its data and answered as they are now.
- RDS (emulator.rds): PostgreSQL's orderable instance options, its default version, and DB subnet
  groups created and modified as AWS does.
- ElastiCache (emulator.elasticache): cache subnet groups deleted and modified, replication groups
  with their member clusters, reader endpoint, statuses and AWS's create and modify rules.
- ACM (emulator.acm): a requested certificate stays PENDING_VALIDATION until its DNS validation records
  resolve in the emulator's Route 53, and is then issued by the emulator's CA.
- Listener rules (emulator.listener_rules): TooManyRules, RuleNotFound and OperationNotPermitted on DeleteRule, no
  redirect from HTTPS to HTTP, and a target group no rule forwards to any more released by its load balancer.
- A bucket policy's statement applies only when its Condition holds (IAM's evaluation logic,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html); moto judged every
  statement with a Condition as a Deny, so a TLS-only bucket (a Deny when aws:SecureTransport is false) refused every
  request. Each request the emulator answers stands for one to AWS's HTTPS endpoints (the loopback listener for the
  control node's clients, the HTTPS listener of the VPCs for the instances): aws:SecureTransport is true
  (bucket_policy_permission).
- RunInstances (and a launch template's launches) with a block device mapping for the image's root device that gives
  neither a size nor a snapshot: the volume is made from the image's snapshot, at its size ("If you specify a snapshot,
  the default is the snapshot size"; an image's root device is its snapshot,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EbsBlockDevice.html); moto answered MissingParameter
  size/snapshot, so a launch template that only sets the root volume's type and encryption could launch nothing; and
  the template's volumes are the instance's (moto added an 8 GiB root of its own beside them).
- CreateImage: a name already used by one of the account's images is refused (InvalidAMIName.Duplicate, "AMI names must
  be unique", https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateImage.html), and so is an instance that is
  neither running nor stopped (IncorrectInstanceState, same page: "either running or stopped"); TagSpecifications of
  type snapshot tag the image's snapshots ("you can tag the AMI, the snapshots, or both", same page), where moto raised
  NotImplementedError (a 500).
- EC2 Auto Scaling (emulator.autoscaling): instance refreshes (which moto lacks), each instance's own launch template
  version, Pending and Terminating instances, instances spread over the group's zones and deregistered from its target
  groups when terminated, CreateAutoScalingGroup's defaults and AlreadyExists, UpdateAutoScalingGroup's implicit desired
  capacity.
"""

import base64
import fnmatch
import functools
import hashlib
import json

from emulator import acm, amis, autoscaling, elasticache, launch_templates, listener_rules, rds

PATCHED = []


def ed25519_fingerprint(public_key_text):
    """AWS's fingerprint of an imported ed25519 key: base64 SHA-256 of the key blob, padded."""
    try:
        blob = base64.b64decode(public_key_text.split()[1])
    except (IndexError, ValueError):
        return None
    return base64.b64encode(hashlib.sha256(blob).digest()).decode()


def free_nat_gateway(backend, nat):
    """What a deleted NAT gateway lets go: its interface, and its Elastic IP's association."""
    eni = getattr(nat, '_eni', None)
    if eni is None or backend is None:
        return
    for eip in list(backend.addresses):
        if eip.eni is eni:
            backend.disassociate_address(address=eip.public_ip)
    if eni.id in backend.enis:
        eni.delete()
    for entry in nat.address_set:
        entry.pop('associationId', None)


def patch_s3():
    """A new bucket as AWS makes it (see above)."""
    from moto.s3.models import PublicAccessBlock, S3Backend
    create_bucket = S3Backend.create_bucket

    @functools.wraps(create_bucket)
    def create_bucket_as_aws(self, bucket_name, region_name, *args, **kwargs):
        bucket = create_bucket(self, bucket_name, region_name, *args, **kwargs)
        bucket.encryption = {'Rule': {'ApplyServerSideEncryptionByDefault': {'SSEAlgorithm': 'AES256'}, 'BucketKeyEnabled': 'false'}}
        bucket.public_access_block = PublicAccessBlock('true', 'true', 'true', 'true')
        bucket.ownership_rule = 'BucketOwnerEnforced'  # CreateBucket's x-amz-object-ownership, when given, comes after
        return bucket
    S3Backend.create_bucket = create_bucket_as_aws


def from_template(ec2, instances, data, kwargs):
    """What a launch template gives the instances launched from it that moto's RunInstances drops (RunInstances with
    LaunchTemplate, and an Auto Scaling group's launches): the instance profile (IamInstanceProfile Name or Arn) and the
    instance metadata options (MetadataOptions), unless the launch gave its own ("Launch an instance from a launch
    template": "any parameters that you specify in the launch request override the same parameters in the launch
    template", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-launch-templates.html). moto launched them
    with no profile and IMDSv1 allowed: an instance whose template requires IMDSv2 would have answered without a token,
    and one whose template names a profile would have had no credentials."""
    from moto.ec2.models.instances import MetadataOptions
    profile = data.get('IamInstanceProfile') or {}
    options = data.get('MetadataOptions') or {}
    for instance in instances:
        if options and not kwargs.get('metadata_options'):
            instance.metadata_options = MetadataOptions(dict((k, str(v)) for k, v in options.items()))
        if (profile.get('Name') or profile.get('Arn')) and not (kwargs.get('iam_instance_profile_name') or kwargs.get('iam_instance_profile_arn')) \
                and instance.id not in ec2.iam_instance_profile_associations:
            ec2.associate_iam_instance_profile(instance.id, iam_instance_profile_name=profile.get('Name'),
                                               iam_instance_profile_arn=profile.get('Arn'))


# The condition keys a bucket policy's statement is judged with (see the module's docstring): every request the emulator
# answers stands for one sent to AWS's HTTPS endpoints.
POLICY_CONTEXT = {'aws:securetransport': 'true'}
POLICY_OPERATORS = {'Bool': lambda actual, wanted: actual.lower() == wanted.lower(),
                    'StringEquals': lambda actual, wanted: actual == wanted,
                    'StringNotEquals': lambda actual, wanted: actual != wanted,
                    'StringLike': fnmatch.fnmatchcase}


def _listed(value):
    return value if isinstance(value, list) else [value]


def _condition_holds(condition):
    """A statement's Condition block against POLICY_CONTEXT; a key the emulator does not know, or an operator it does not
    evaluate, makes it not hold (the statement does not apply)."""
    for operator, keys in (condition or {}).items():
        test = POLICY_OPERATORS.get(operator)
        for key, wanted in (keys or {}).items():
            actual = POLICY_CONTEXT.get(key.lower())
            if test is None or actual is None or not any(test(actual, str(w)) for w in _listed(wanted)):
                return False
    return True


def bucket_policy_permission(policy, action, resource):
    """A bucket policy's answer for ``action`` on ``resource``: DENIED when an applicable Deny matches, PERMITTED when an
    applicable Allow does, else NEUTRAL (the request's own credentials decide); statements for a principal other than
    everyone are left to those credentials."""
    from moto.iam.access_control import PermissionResult
    found = PermissionResult.NEUTRAL
    for statement in _listed(json.loads(policy).get('Statement') or []):
        principal = statement.get('Principal')
        if principal not in ('*', {'AWS': '*'}):
            continue
        if not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _listed(statement.get('Action') or [])):
            continue
        if not any(fnmatch.fnmatchcase(resource, r) for r in _listed(statement.get('Resource') or [])):
            continue
        if not _condition_holds(statement.get('Condition')):
            continue
        if statement.get('Effect') == 'Deny':
            return PermissionResult.DENIED
        found = PermissionResult.PERMITTED
    return found


def patch_bucket_policies():
    """FakeBucket.get_permission by bucket_policy_permission (see the module's docstring)."""
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission_as_aws(self, action, resource):
        if self.policy is None:
            return PermissionResult.NEUTRAL
        text = self.policy.decode() if isinstance(self.policy, bytes) else self.policy
        return bucket_policy_permission(text, action, resource)
    FakeBucket.get_permission = get_permission_as_aws


def patch_root_volumes():
    """A root volume mapping without size or snapshot: the image's snapshot (see the module's docstring)."""
    from moto.ec2.models.instances import Instance
    add_block_device = Instance.add_block_device

    @functools.wraps(add_block_device)
    def add_block_device_as_aws(self, size, device_path, snapshot_id, *args, **kwargs):
        if size is None and snapshot_id is None:
            ami = self.ec2_backend.amis.get(self.image_id)
            snapshot = getattr(ami, 'ebs_snapshot', None) if ami is not None else None
            if snapshot is not None and device_path == getattr(ami, 'root_device_name', None):
                snapshot_id, size = snapshot.id, snapshot.volume.size
        return add_block_device(self, size, device_path, snapshot_id, *args, **kwargs)
    Instance.add_block_device = add_block_device_as_aws


def patch_create_image():
    """CreateImage as AWS answers it (see the module's docstring)."""
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.amis import AmiBackend
    create_image = AmiBackend.create_image

    @functools.wraps(create_image)
    def create_image_as_aws(self, instance_id, name, description, tag_specifications):
        instance = self.get_instance(instance_id)
        taken = next((a.id for a in self.amis.values() if a.name == name and a.owner_id == self.account_id), None)
        if taken:
            raise EC2ClientError('InvalidAMIName.Duplicate', 'AMI name %s is already in use by AMI %s' % (name, taken))
        if instance.state not in ('running', 'stopped'):
            raise EC2ClientError('IncorrectInstanceState', "The instance '%s' is not in a state from which it can be imaged "
                                 '(it is %s)' % (instance_id, instance.state))
        specs = tag_specifications or []
        ami = create_image(self, instance_id, name, description, [t for t in specs if t.get('ResourceType') != 'snapshot'])
        for spec in specs:
            if spec.get('ResourceType') == 'snapshot':
                for tag in spec.get('Tags') or []:
                    ami.ebs_snapshot.add_tag(tag['Key'], tag['Value'])
        return ami
    AmiBackend.create_image = create_image_as_aws


def patch_moto():
    """Apply the rules above to moto's classes; once per process."""
    if PATCHED:
        return
    from moto.ec2.models.amis import AmiBackend
    from moto.ec2.models.instances import InstanceBackend
    from moto.ec2.models.key_pairs import KeyPairBackend
    from moto.ec2.models.nat_gateways import NatGatewayBackend

    load_amis = AmiBackend._load_amis  # pylint: disable=protected-access

    @functools.wraps(load_amis)
    def _load_amis(self):
        load_amis(self)
        amis.register(self, self.region_name)
    AmiBackend._load_amis = _load_amis  # pylint: disable=protected-access

    run_instances = InstanceBackend.run_instances

    @functools.wraps(run_instances)
    def run_instances_as_aws(self, image_id, count, user_data, security_group_names, **kwargs):
        if kwargs.get('launch_template') and 'block_device_mappings' not in kwargs:
            # the template's volumes are the instance's, the root among them (moto added its own 8 GiB root beside them)
            mappings = self._get_template_from_args(kwargs['launch_template']).data.get('BlockDeviceMappings')  # pylint: disable=protected-access
            if mappings:
                kwargs['block_device_mappings'] = mappings
        reservation = run_instances(self, image_id, count, user_data, security_group_names, **kwargs)
        given = kwargs.get('nics') or []
        kept = set(str(n.get('DeviceIndex', 0)) for n in given
                   if n.get('NetworkInterfaceId') or str(n.get('DeleteOnTermination', 'true')).lower() == 'false')
        for instance in reservation.instances:
            for index, nic in instance.nics.items():
                if str(index) not in kept:
                    nic.delete_on_termination = True
        if kwargs.get('launch_template'):
            from_template(self, reservation.instances, self._get_template_from_args(kwargs['launch_template']).data, kwargs)  # pylint: disable=protected-access
        return reservation
    InstanceBackend.run_instances = run_instances_as_aws

    delete_nat_gateway = NatGatewayBackend.delete_nat_gateway

    @functools.wraps(delete_nat_gateway)
    def delete_nat_gateway_as_aws(self, nat_gateway_id):
        nat = delete_nat_gateway(self, nat_gateway_id)
        if not getattr(nat, 'seed_timed', False):  # in the aws profile, emulator.lifecycle frees them once it is deleted
            free_nat_gateway(self, nat)
        return nat
    NatGatewayBackend.delete_nat_gateway = delete_nat_gateway_as_aws

    # DescribeNatGateways takes tag:<key>, tag-key and tag-value filters on AWS
    # (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNatGateways.html, Filter); moto ignored them
    # and answered every stack's gateways to a filter by one stack's tag.
    describe_nat_gateways = NatGatewayBackend.describe_nat_gateways

    @functools.wraps(describe_nat_gateways)
    def describe_nat_gateways_as_aws(self, filters, nat_gateway_ids):
        from moto.ec2.utils import tag_filter_matches
        tag_filters = dict((k, v) for k, v in (filters or {}).items() if k.startswith('tag:') or k in ('tag-key', 'tag-value'))
        rest = dict((k, v) for k, v in (filters or {}).items() if k not in tag_filters) if filters is not None else None
        found = describe_nat_gateways(self, rest, nat_gateway_ids)
        return [n for n in found if all(tag_filter_matches(n, k, v) for k, v in tag_filters.items())]
    NatGatewayBackend.describe_nat_gateways = describe_nat_gateways_as_aws

    import_key_pair = KeyPairBackend.import_key_pair

    @functools.wraps(import_key_pair)
    def import_key_pair_as_aws(self, key_name, public_key_material, tags):
        keypair = import_key_pair(self, key_name, public_key_material, tags)
        if keypair.key_type == 'ed25519':
            keypair.key_fingerprint = ed25519_fingerprint(keypair.public_key) or keypair.key_fingerprint
        return keypair
    KeyPairBackend.import_key_pair = import_key_pair_as_aws

    from moto.acm.models import AWSCertificateManagerBackend
    import_certificate = AWSCertificateManagerBackend.import_certificate

    @functools.wraps(import_certificate)
    def import_certificate_as_aws(self, certificate, private_key, chain, arn, tags):
        old = self._certificates.get(arn) if arn else None  # pylint: disable=protected-access
        kept = dict(old.tags) if old is not None else {}
        made = import_certificate(self, certificate, private_key, chain, arn, tags)
        if kept:
            self._certificates[made].tags.update(kept)  # pylint: disable=protected-access
        return made
    AWSCertificateManagerBackend.import_certificate = import_certificate_as_aws

    from moto.acm.models import acm_backends
    from moto.elbv2.models import ELBv2Backend

    def release_certificates(backend, users):
        acm = acm_backends[backend.account_id][backend.region_name]
        for bundle in acm._certificates.values():  # pylint: disable=protected-access
            bundle.in_use_by[:] = [u for u in bundle.in_use_by if u not in users]

    delete_listener = ELBv2Backend.delete_listener

    @functools.wraps(delete_listener)
    def delete_listener_as_aws(self, listener_arn):
        listener = delete_listener(self, listener_arn)
        release_certificates(self, {listener_arn})
        return listener
    ELBv2Backend.delete_listener = delete_listener_as_aws

    create_load_balancer = ELBv2Backend.create_load_balancer

    @functools.wraps(create_load_balancer)
    def create_load_balancer_as_aws(self, *args, **kwargs):
        if kwargs.get('scheme') is None:
            kwargs['scheme'] = 'internet-facing'
        return create_load_balancer(self, *args, **kwargs)
    ELBv2Backend.create_load_balancer = create_load_balancer_as_aws

    delete_load_balancer = ELBv2Backend.delete_load_balancer

    @functools.wraps(delete_load_balancer)
    def delete_load_balancer_as_aws(self, arn):
        lb = self.load_balancers.get(arn)
        users = set([arn]) | (set(lb.listeners) if lb is not None else set())
        result = delete_load_balancer(self, arn)
        release_certificates(self, users)
        return result
    ELBv2Backend.delete_load_balancer = delete_load_balancer_as_aws

    from moto.elbv2.models import FakeLoadBalancer
    activate = FakeLoadBalancer.activate

    @functools.wraps(activate)
    def activate_in_time(self):
        if not getattr(self, 'seed_timed', False):  # emulator.lifecycle makes it active when its time is over
            activate(self)
    FakeLoadBalancer.activate = activate_in_time

    from moto.elbv2.models import FakeTargetGroup

    def deregister_as_aws(self, targets):
        for target in targets:
            found = self.targets.pop(target['Id'], None)
            if found:
                self.deregistered_targets[target['Id']] = found
    FakeTargetGroup.deregister = deregister_as_aws
    patch_s3()
    patch_bucket_policies()
    patch_root_volumes()
    patch_create_image()
    launch_templates.patch_launch_templates()  # SourceVersion, the template's tags (emulator/launch_templates.py)
    rds.patch_rds()  # RDS for PostgreSQL: the orderable options catalogue, subnet groups as AWS keeps them
    elasticache.patch_elasticache()  # ElastiCache's answers (emulator/elasticache.py)
    acm.patch_acm()  # requested certificates validated by DNS and issued by the emulator's CA (emulator/acm.py)
    listener_rules.patch_rules()  # listener rules' refusals that depend on what exists (emulator/listener_rules.py)
    autoscaling.patch_autoscaling()  # EC2 Auto Scaling as AWS behaves (emulator/autoscaling.py)
    PATCHED.append(True)
