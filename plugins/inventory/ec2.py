# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: ec2
short_description: EC2 instances of a stack, grouped by their Role tag
version_added: 0.1.0
description:
  - Finds EC2 instances (by default those of one stack, tag C(Stack)) with one paginated DescribeInstances per region
    (and one more per set of O(include_filters) and O(exclude_filters)), regions queried in parallel, and groups them
    by their C(Role) tag (C(web), C(db), C(bastion)) plus a group per stack (C(stack_<name>), each dash written C(_),
    as the C(seed.laravel_aws.stack_group) filter gives it).
  - Each host gets C(ansible_host) (the public IP when there is one, else the private IP) and the instance's facts;
    its tags are in C(ec2_tags) (not C(tags), a name Ansible reserves), for example C(ec2_tags.Name) in O(compose).
  - Hosts without a public IP get C(ansible_ssh_common_args) with a ProxyJump through the stack's bastion (the instance
    tagged C(Role=bastion), or O(bastion)), so a private database host is reachable with no manual SSH config.
    Every host gets C(StrictHostKeyChecking=accept-new) there, so a new instance's host key is learnt on the first
    connection and checked on every later one (keep Ansible's C(host_key_checking) on).
  - Terminated instances are left out. A region that is disabled for the account gives a warning, not a failure.
    A region listed twice is queried once, and an instance is one host however many times it is found.
  - The group C(all) gets C(ec2_inventory_stack) (the O(stack) option) and C(ec2_inventory_regions) (the regions
    queried), so the stack's name and region are written once, in the inventory file, and playbooks take them from there.
  - Every value taken from AWS (tags, addresses, ids, names) is marked unsafe, so Ansible never templates it, in
    O(compose), O(groups) and O(keyed_groups) as in plays, on every ansible-core version. A tag such as
    C({{ lookup('pipe', 'id') }}) stays that text. Host names are refused unless they are plain names
    (letters, digits and C(._:@-)).
  - "Tags choose host names, groups and the bastion, so anyone who may call C(ec2:CreateTags) (or run instances) in the
    account can enrol a host into this inventory: a host that plays then reach with your SSH key, and, tagged
    C(Role=bastion), the jump host of every private host. Keep those permissions to the people who run the
    playbooks, and filter by owner too, with O(filters), for example C(filters: {owner-id: '123456789012'}), or a tag
    only your provisioning role may set (an IAM condition on C(aws:RequestTag))."
  - A host name that is reserved (C(localhost), C(all), C(ungrouped), a loopback address), that is an IP address
    taken from a tag, that is also the name of a group, or that two instances share, is an error naming the instances.
  - More than one instance tagged C(Role=bastion) in a stack is an error unless O(bastion) names the jump host.
  - The configuration file must end in C(ec2.yml) or C(ec2.yaml); an option this plugin does not know is an error.
author:
  - Seed Maintainers (@seed-maintainers)
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin.
    required: true
    choices: [seed.laravel_aws.ec2]
    type: str
  regions:
    description:
      - Regions to query, in parallel. Default, the region of the environment (E(AWS_REGION), E(AWS_DEFAULT_REGION)) or of the profile.
    type: list
    elements: str
    default: []
  endpoint_url:
    description:
      - Send the API calls (EC2's, and STS's for O(assume_role_arn)) to this URL, for example an emulator on
        C(http://127.0.0.1:5000).
      - Without it botocore chooses for each service, as for the modules and the AWS CLI, E(AWS_ENDPOINT_URL_EC2) for EC2
        (E(AWS_ENDPOINT_URL_STS) for STS), then E(AWS_ENDPOINT_URL), then the profile's, then AWS's.
    type: str
  aws_ca_bundle:
    description:
      - The CA bundle to verify the endpoint's TLS certificate with (a PEM file), for EC2's calls and STS's (with
        O(assume_role_arn)), as the collection's modules (and amazon.aws's) take it; for example behind a proxy that
        re-signs TLS, or an endpoint with a private CA.
      - Without it, botocore's own choice (the profile's C(ca_bundle), else its bundled roots).
    type: path
    env:
      - name: AWS_CA_BUNDLE
    version_added: 0.2.0
  aws_config:
    description:
      - Parameters of botocore's C(Config) for the inventory's clients (EC2's, and STS's with O(assume_role_arn)), for
        example C(proxies), C(connect_timeout), C(read_timeout) or C(user_agent_extra), as the collection's modules (and
        amazon.aws's) take them.
      - A parameter botocore's C(Config) does not know (a typo) is refused before any request, naming this option.
      - Retries are the modules' own retry policy; a C(retries) given here is ignored.
    type: dict
    version_added: 0.2.0
  profile:
    description: A named AWS profile.
    type: str
    env:
      - name: AWS_PROFILE
  access_key:
    description: AWS access key id.
    type: str
    env:
      - name: AWS_ACCESS_KEY_ID
  secret_key:
    description: AWS secret access key.
    type: str
    env:
      - name: AWS_SECRET_ACCESS_KEY
  session_token:
    description: Session token.
    type: str
    env:
      - name: AWS_SESSION_TOKEN
  stack:
    description: Only the instances of this stack (a shortcut for the filter C(tag:Stack)).
    type: str
  filters:
    description: "More EC2 filters, as C(name: value) or C(name: [values])."
    type: dict
    default: {}
  include_filters:
    description:
      - "More sets of EC2 filters, each written as O(filters) is (C(name: value) or C(name: [values])). An instance is a host
        when it matches any one set: the instances of O(filters) (when it is given) plus those of each set here, as
        amazon.aws's C(aws_ec2) reads them. Without O(filters), only these sets choose."
      - Each set is one more DescribeInstances in every region, so keep the list short. An instance found by more than
        one set is one host.
      - O(stack) and the live states are added to every set. With O(stack) set, no filter brings in another stack's
        instances (an instance whose C(Stack) tag is not O(stack) is left out, whatever a filter says).
    type: list
    elements: dict
    default: []
    version_added: 0.2.0
  exclude_filters:
    description:
      - Sets of EC2 filters, each written as O(filters) is; an instance that matches any one set is left out, even when
        O(filters) or O(include_filters) match it.
      - Each set is one more DescribeInstances in every region (with O(stack) added, so it only ever removes hosts).
        An empty set, which would match every instance, is refused.
    type: list
    elements: dict
    default: []
    version_added: 0.2.0
  assume_role_arn:
    description:
      - The ARN of an IAM role to assume (C(sts:AssumeRole), session name C(ansible-seed-inventory)) with the configured
        credentials; every region is then queried with the role's temporary credentials. For example a role in
        another account, as AWX's cross-account inventories use.
      - The configured credentials need C(sts:AssumeRole) on the role and the role's trust policy must let them in;
        the role needs C(ec2:DescribeInstances).
      - The STS call goes where O(endpoint_url) says (E(AWS_ENDPOINT_URL_EC2) is for EC2 only), in the first of the regions.
      - "It must be a role's ARN, C(arn:aws:iam::<12-digit account>:role/<name>) (or with a path, or in another partition
        such as C(aws-cn)); anything else is refused before any call."
    type: str
    aliases: [iam_role_arn]
    version_added: 0.2.0
  hostvars_prefix:
    description:
      - Put before the name of every host variable this plugin takes from the instance (C(instance_id), C(instance_type),
        C(private_ip_address), C(ec2_tags), C(role), C(stack)...), as amazon.aws's C(aws_ec2) does; with C(aws_), the
        instance's id is C(aws_instance_id). O(compose), O(groups) and O(keyed_groups) see the new names.
      - C(ansible_host) and C(ansible_ssh_common_args) keep their names, and so do C(ec2_inventory_stack) and
        C(ec2_inventory_regions) on the group C(all).
      - Letters, digits and C(_), not starting with a digit, and not with C(ansible_) (Ansible's own variables).
      - The collection's playbooks read the plain names (C(role), C(private_ip_address)); leave this unset in an inventory
        they run with.
    type: str
    version_added: 0.2.0
  hostvars_suffix:
    description:
      - Put after the name of every host variable this plugin takes from the instance, as O(hostvars_prefix) does before
        it; with C(_ec2), C(instance_id_ec2).
      - Letters, digits and C(_) only.
    type: str
    version_added: 0.2.0
  hostnames:
    description:
      - Ordered preference of what names a host. The first that an instance has is used.
      - "Known: C(tag:<Key>), C(name) (the Name tag), C(instance-id), C(public-ip-address), C(private-ip-address),
        C(dns-name), C(private-dns-name)."
      - Two instances with the same name are an error naming both; give them distinct Name tags, or put
        C(instance-id) first.
    type: list
    elements: str
    default: ['tag:Name', 'private-ip-address', 'instance-id']
  role_tag:
    description: The tag whose value names the group of a host.
    type: str
    default: Role
  bastion:
    description:
      - The jump host for hosts without a public IP, as C(host) or C(user@host). Default, the public IP of the stack's
        instance tagged C(Role=bastion), with O(bastion_user).
      - Required when a stack has more than one instance tagged C(Role=bastion).
    type: str
  bastion_user:
    description: The SSH user on the bastion found by tag.
    type: str
    default: admin
'''

EXAMPLES = r'''
# inventory/aws/demo.ec2.yml
plugin: seed.laravel_aws.ec2
regions: [us-east-1]
stack: demo
compose:
  ansible_user: "'admin'"
keyed_groups:
  - key: instance_type
    prefix: type

---
# The same, cached for five minutes (a rerun within that time sends no request)
plugin: seed.laravel_aws.ec2
regions: [eu-west-1]
stack: shop
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/seed-laravel-aws-inventory
cache_timeout: 300

---
# The web hosts and the bastion of the stack, except those tagged Maintenance=true
plugin: seed.laravel_aws.ec2
regions: [us-east-1]
stack: shop
include_filters:
  - tag:Role: web
  - tag:Role: bastion
exclude_filters:
  - tag:Maintenance: 'true'

---
# Another account's instances, through a role it trusts you to assume (as AWX's cross-account inventories do),
# with amazon.aws's style of variable names (aws_instance_id, aws_private_ip_address...)
plugin: seed.laravel_aws.ec2
regions: [eu-west-1]
stack: shop
assume_role_arn: arn:aws:iam::123456789012:role/inventory-reader
hostvars_prefix: aws_
compose:
  ansible_user: "'admin'"
  owner: aws_ec2_tags.Owner | default('nobody')
'''

import concurrent.futures
import ipaddress
import os
import re

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import (
    HAS_BOTO3, REGION_RE, BotoCoreError, ClientError, new_client, new_session, session_region, validate_connection, verify_of,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import DEFAULT_ATTEMPTS, RetryingClient
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import (
    LIVE_INSTANCE_STATES, STACK_TAG, instance_facts, stack_group, stack_name_problem,
)

DISABLED_REGION_CODES = ('AuthFailure', 'OptInRequired', 'UnauthorizedOperation', 'InvalidClientTokenId', 'UnrecognizedClientException')
CONSTRUCTED = ('compose', 'groups', 'keyed_groups', 'strict', 'leading_separator', 'use_extra_vars')
CACHE_OPTIONS = ('cache', 'cache_plugin', 'cache_timeout', 'cache_connection', 'cache_prefix')

# Names a host may not take: Ansible's own (a host named localhost would receive what is meant for the
# control node), and characters that have no place in a host name (a template, a comma, a space).
RESERVED_HOSTNAMES = frozenset(['localhost', 'all', 'ungrouped'])
HOSTNAME_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9._:@-]*$')
# A role's ARN, arn:<partition>:iam::<account>:role/<path><name>: an account is 12 digits, a path is '/' or
# '/.../' of ASCII ! to ~, a role's name 1 to 64 of [\w+=,.@-]; every pattern here is matched whole (fullmatch)
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html, "IAM ARNs" and "Friendly names and
# paths"; https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html, RoleName and Path).
ROLE_ARN_RE = re.compile(r'arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/(?:[\x21-\x2e\x30-\x7e]+/)*[\w+=,.@-]{1,64}', re.ASCII)
# AssumeRole's RoleArn is 20 to 2048 characters; RoleSessionName 2 to 64 of [\w+=,.@-]
# (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
ROLE_ARN_MAX = 2048
ROLE_SESSION_NAME = 'ansible-seed-inventory'
# hostvars_prefix + a variable's name + hostvars_suffix stays a plain variable name
HOSTVARS_PREFIX_RE = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')
HOSTVARS_SUFFIX_RE = re.compile(r'[A-Za-z0-9_]+')
HOSTNAME_SOURCES = {'name': None, 'instance-id': 'instance_id', 'public-ip-address': 'public_ip_address',
                    'private-ip-address': 'private_ip_address', 'dns-name': 'public_dns_name',
                    'private-dns-name': 'private_dns_name'}


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = 'seed.laravel_aws.ec2'

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(('ec2.yml', 'ec2.yaml'))

    # -- reading -------------------------------------------------------------
    def _check_options(self, config):
        known = set(['plugin', 'regions', 'endpoint_url', 'aws_ca_bundle', 'aws_config', 'profile', 'access_key', 'secret_key',
                     'session_token', 'stack', 'filters', 'include_filters', 'exclude_filters', 'assume_role_arn', 'iam_role_arn',
                     'hostvars_prefix', 'hostvars_suffix', 'hostnames', 'role_tag', 'bastion', 'bastion_user']) | set(CONSTRUCTED) | set(CACHE_OPTIONS)
        unknown = sorted(set(config or {}) - known)
        if unknown:
            raise AnsibleParserError('%s: unknown option(s) %s; known: %s' % (self.NAME, ', '.join(unknown), ', '.join(sorted(known))))

    def _validate(self):
        """Check the options before any request: every error names the option and the fix."""
        for i, region in enumerate(self.get_option('regions') or []):
            if not isinstance(region, str) or not REGION_RE.match(region):
                raise AnsibleParserError('%s: regions[%d]: %r is not a region name; write it like us-east-1' % (self.NAME, i, region))
        try:
            validate_connection(self._connection(), need_region=False)
        except ValidationError as err:
            raise AnsibleParserError('%s: %s' % (self.NAME, err))
        stack = self.get_option('stack')
        if stack is not None and stack_name_problem(str(stack)):
            raise AnsibleParserError('%s: stack: %s (the value of the Stack tag)' % (self.NAME, stack_name_problem(str(stack))))
        if not str(self.get_option('role_tag') or '').strip():
            raise AnsibleParserError('%s: role_tag: give the tag that names the group of a host (default Role)' % self.NAME)
        for i, pref in enumerate(self.get_option('hostnames') or []):
            if not (pref.startswith('tag:') and len(pref) > 4) and pref not in HOSTNAME_SOURCES:
                raise AnsibleParserError('%s: hostnames[%d]: unknown %r; use tag:<Key> or one of %s'
                                         % (self.NAME, i, pref, ', '.join(sorted(HOSTNAME_SOURCES))))
        if not self.get_option('hostnames'):
            raise AnsibleParserError('%s: hostnames: give at least one, for example [tag:Name, instance-id]' % self.NAME)
        self._check_filter_set('filters', self.get_option('filters') or {})
        for option in ('include_filters', 'exclude_filters'):
            sets = self.get_option(option) or []
            if not isinstance(sets, list):
                raise AnsibleParserError('%s: %s: give a list of filter sets, each as filters is written, for example '
                                         '[{tag:Role: web}]' % (self.NAME, option))
            for i, filter_set in enumerate(sets):
                self._check_filter_set('%s[%d]' % (option, i), filter_set)
                if option == 'exclude_filters' and not filter_set:
                    raise AnsibleParserError('%s: exclude_filters[%d]: an empty set matches every instance and would leave '
                                             'none; give the filters of the instances to leave out' % (self.NAME, i))
        self._check_role_arn(self.get_option('assume_role_arn'))
        self._check_hostvars_affixes()

    def _check_filter_set(self, label, filter_set):
        """One set of EC2 filters ({name: value or [values]}), as filters, include_filters[i] and exclude_filters[i] take it."""
        if not isinstance(filter_set, dict):
            raise AnsibleParserError('%s: %s: %r is not a set of filters; write it as name: value or name: [values], '
                                     'for example tag:Role: web' % (self.NAME, label, filter_set))
        for name, value in filter_set.items():
            if not isinstance(name, str) or not name.strip():
                raise AnsibleParserError('%s: %s: a filter needs a name, such as tag:Role or instance-type' % (self.NAME, label))
            values = value if isinstance(value, list) else [value]
            if not values or any(v is None or isinstance(v, (dict, list)) for v in values):
                raise AnsibleParserError('%s: %s: filter %s: give a value or a list of values (got %r)' % (self.NAME, label, name, value))

    def _check_role_arn(self, arn):
        if arn is None:
            return
        if not isinstance(arn, str) or len(arn) > ROLE_ARN_MAX or not ROLE_ARN_RE.fullmatch(arn):
            raise AnsibleParserError('%s: assume_role_arn: %r is not the ARN of an IAM role; write it like '
                                     'arn:aws:iam::123456789012:role/inventory-reader' % (self.NAME, arn))

    def _check_hostvars_affixes(self):
        prefix, suffix = self.get_option('hostvars_prefix'), self.get_option('hostvars_suffix')
        if prefix not in (None, '') and (not isinstance(prefix, str) or not HOSTVARS_PREFIX_RE.fullmatch(prefix)):
            raise AnsibleParserError('%s: hostvars_prefix: %r would not make variable names; use letters, digits and _, '
                                     'not starting with a digit (for example aws_)' % (self.NAME, prefix))
        if prefix and prefix.lower().startswith('ansible_'):
            raise AnsibleParserError('%s: hostvars_prefix: %r would give values from AWS the names of Ansible\'s own '
                                     'variables (ansible_*); choose another prefix (for example aws_)' % (self.NAME, prefix))
        if suffix not in (None, '') and (not isinstance(suffix, str) or not HOSTVARS_SUFFIX_RE.fullmatch(suffix)):
            raise AnsibleParserError('%s: hostvars_suffix: %r would not make variable names; use letters, digits and _ '
                                     '(for example _ec2)' % (self.NAME, suffix))

    def _regions(self):
        regions = self.get_option('regions') or []
        if not regions:
            region = os.environ.get('AWS_REGION') or os.environ.get('AWS_DEFAULT_REGION')
            if not region and self.get_option('profile'):
                try:
                    region = session_region(new_session(self._connection(), lean=False))
                except BotoCoreError as exc:
                    raise AnsibleError('%s: profile %s: %s' % (self.NAME, self.get_option('profile'), exc))
            if not region:
                raise AnsibleError('%s: no region: set regions in the inventory file, or AWS_REGION' % self.NAME)
            regions = [region]
        # once each: a region listed twice would list every host of it twice
        regions = list(dict.fromkeys(str(r) for r in regions))
        # plain str: a value read from the config file carries Ansible's tags (origin, trust), which the
        # cache would store with every host and decode again (5 s of a cached 5000-host run)
        return [str(r) for r in regions]

    def _connection(self):
        """The options module_utils/aws.py knows, by the names of the modules' connection options."""
        return dict((key, self.get_option(key)) for key in ('profile', 'access_key', 'secret_key', 'session_token', 'endpoint_url',
                                                            'aws_ca_bundle', 'aws_config'))

    def _new_client(self, session, service, region):
        """A client as the modules make theirs: the endpoint, the CA bundle and the botocore Config of the options."""
        connection = self._connection()
        return new_client(session, service, region=region, endpoint_url=connection['endpoint_url'], verify=verify_of(connection),
                          agent='seed.laravel_aws-inventory', aws_config=connection['aws_config'])

    def _session(self, regions):
        """The modules' botocore session: clients only, the lean model and the fast timestamp parser
        (a third of parsing 5000 instances); with assume_role_arn, the role's temporary credentials."""
        connection = self._connection()
        if self.get_option('assume_role_arn'):
            connection = dict(connection, profile=None, **self._assume_role(self.get_option('assume_role_arn'), regions[0]))
        return new_session(connection)

    def _assume_role(self, arn, region):
        """The credentials of the role, as new_session takes them; one AssumeRole with the configured credentials."""
        try:
            sts = RetryingClient(self._new_client(new_session(self._connection(), lean=False), 'sts', region),
                                 attempts=DEFAULT_ATTEMPTS)
            answer = sts.assume_role(RoleArn=arn, RoleSessionName=ROLE_SESSION_NAME)
        except ClientError as exc:
            raise AnsibleError('%s: assume_role_arn: AssumeRole of %s was refused: %s. The credentials the inventory runs with '
                               'need sts:AssumeRole on the role, and the role\'s trust policy must allow them'
                               % (self.NAME, arn, exc))
        except BotoCoreError as exc:
            raise AnsibleError('%s: assume_role_arn: AssumeRole of %s failed: %s. Credentials come from access_key/secret_key, '
                               'profile, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY' % (self.NAME, arn, exc))
        credentials = answer.get('Credentials') or {}
        if not (credentials.get('AccessKeyId') and credentials.get('SecretAccessKey')):
            raise AnsibleError('%s: assume_role_arn: AssumeRole of %s answered no credentials' % (self.NAME, arn))
        return {'access_key': credentials['AccessKeyId'], 'secret_key': credentials['SecretAccessKey'],
                'session_token': credentials.get('SessionToken')}

    def _filters(self, filter_set=None):
        """One DescribeInstances' Filters: the live states, the stack, then the set (by default the filters option)."""
        filters = [{'Name': 'instance-state-name', 'Values': list(LIVE_INSTANCE_STATES)}]
        if self.get_option('stack'):
            filters.append({'Name': 'tag:%s' % STACK_TAG, 'Values': [self.get_option('stack')]})
        if filter_set is None:
            filter_set = self.get_option('filters') or {}
        for name, value in sorted(filter_set.items()):
            filters.append({'Name': name, 'Values': [str(v) for v in (value if isinstance(value, list) else [value])]})
        return filters

    def _queries(self):
        """(include, exclude): the Filters of every DescribeInstances a region gets. As amazon.aws's aws_ec2: the filters
        option (when given) and each of include_filters, or the filters option alone (even empty) without include_filters."""
        include_sets = list(self.get_option('include_filters') or [])
        if self.get_option('filters') or not include_sets:
            include_sets.insert(0, self.get_option('filters') or {})
        return ([self._filters(f) for f in include_sets],
                [self._filters(f) for f in self.get_option('exclude_filters') or []])

    def _wanted(self, inst):
        """Whatever a filter said: a live instance, of the stack when stack is set. A set may name tag:Stack or
        instance-state-name too, and EC2's documentation does not say how two filters of one name combine: what the
        stack and the live states give is checked here, so no filter can widen it."""
        if inst.get('State', {}).get('Name') not in LIVE_INSTANCE_STATES:
            return False
        stack = self.get_option('stack')
        return not stack or any(t.get('Key') == STACK_TAG and t.get('Value') == stack for t in inst.get('Tags') or [])

    def _client(self, session, region):
        # made here, not in the threads: a botocore session is not thread-safe, its clients are;
        # every call through the modules' retry policy. Without endpoint_url, botocore finds EC2's endpoint
        # (AWS_ENDPOINT_URL_EC2, then AWS_ENDPOINT_URL, then the profile's), as for STS's and the modules' clients.
        raw = self._new_client(session, 'ec2', region)
        return RetryingClient(raw, attempts=DEFAULT_ATTEMPTS)

    @staticmethod
    def _describe(client, filters):
        reservations = client.paginate('describe_instances', 'Reservations', Filters=filters, MaxResults=1000)
        return [inst for reservation in reservations for inst in reservation['Instances']]

    def _describe_region(self, client, region):
        include, exclude = self._queries()
        found = {}
        for filters in include:  # an instance found by two sets is one
            for inst in self._describe(client, filters):
                if self._wanted(inst):
                    found.setdefault(inst['InstanceId'], inst)
        if found:
            for filters in exclude:
                for inst in self._describe(client, filters):
                    found.pop(inst['InstanceId'], None)
        return [self._facts(inst, region) for inst in found.values()]

    def _fetch(self):
        if not HAS_BOTO3:
            raise AnsibleError('%s needs botocore (pip install boto3)' % self.NAME)
        regions = self._regions()
        session = self._session(regions)
        found = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, len(regions))) as pool:
            futures = {}
            for r in regions:
                try:
                    futures[pool.submit(self._describe_region, self._client(session, r), r)] = r
                except BotoCoreError as exc:
                    raise AnsibleError('%s: no EC2 client for %s: %s' % (self.NAME, r, exc))
            for future in concurrent.futures.as_completed(futures):
                region = futures[future]
                try:
                    found.extend(future.result())
                except ClientError as exc:
                    code = exc.response.get('Error', {}).get('Code')
                    if code in DISABLED_REGION_CODES and len(regions) > 1:
                        self.display.warning('%s: region %s skipped (%s): %s' % (self.NAME, region, code, exc))
                        continue
                    raise AnsibleError('%s: DescribeInstances in %s failed: %s' % (self.NAME, region, exc))
                except BotoCoreError as exc:
                    raise AnsibleError('%s: DescribeInstances in %s failed: %s. Credentials come from access_key/secret_key, '
                                       'profile, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY' % (self.NAME, region, exc))
        # an instance is one host, keyed by its id, however many times it was found
        by_id = dict((i['instance_id'], i) for i in found)
        return sorted(by_id.values(), key=lambda i: (i['ec2_tags'].get('Name', ''), i['instance_id']))

    @staticmethod
    def _facts(inst, region):
        return instance_facts(inst, region)

    # -- building --------------------------------------------------------------
    def _hostname(self, facts):
        """(name, source): the first hostnames preference the instance has; source is the preference used."""
        for pref in self.get_option('hostnames'):
            if pref.startswith('tag:'):
                name = facts['ec2_tags'].get(pref[4:])
            elif pref == 'name':
                name = facts['ec2_tags'].get('Name')
            else:
                name = facts.get(HOSTNAME_SOURCES[pref])
            if name:
                return str(name), pref
        return facts['instance_id'], 'instance-id'

    @staticmethod
    def _is_ip(name):
        try:
            ipaddress.ip_address(name)
            return True
        except ValueError:
            return False

    def _hostnames(self, instances):
        """{instance id: host name}, refusing names that would take an identity the instance has no right to."""
        names, owners, problems = {}, {}, []
        for facts in instances:
            name, source = self._hostname(facts)
            iid = facts['instance_id']
            from_tag = source.startswith('tag:') or source == 'name'
            if name.lower() in RESERVED_HOSTNAMES or (self._is_ip(name) and ipaddress.ip_address(name).is_loopback):
                problems.append('%s: host name %r (from %s) is reserved by Ansible' % (iid, name, source))
            elif from_tag and self._is_ip(name):
                problems.append('%s: host name %r (from %s) is an IP address; a tag cannot name a host by an address '
                                '(use private-ip-address in hostnames for that)' % (iid, name, source))
            elif not HOSTNAME_RE.match(name):
                problems.append('%s: host name %r (from %s) is not a host name (letters, digits and ._:@- only)' % (iid, name, source))
            owners.setdefault(name, []).append(iid)
            names[iid] = name
        for name, ids in sorted(owners.items()):
            if len(ids) > 1:
                problems.append('%s: %d instances would have the host name %r; give them distinct Name tags '
                                'or put instance-id first in hostnames' % (', '.join(sorted(ids)), len(ids), name))
        if problems:
            raise AnsibleError('%s: refused host names (tags decide them, so check who tagged these instances, and narrow the '
                               'inventory with filters such as owner-id): %s' % (self.NAME, '; '.join(problems)))
        return names

    def _bastions(self, instances, role_tag):
        """{stack: public IP of its bastion}; more than one bastion in a stack needs the bastion option."""
        found = {}
        for facts in instances:
            if facts['ec2_tags'].get(role_tag) == 'bastion':
                found.setdefault(facts['ec2_tags'].get('Stack'), []).append(facts)
        if self.get_option('bastion'):
            return {}
        out = {}
        for stack, members in sorted(found.items(), key=lambda kv: str(kv[0])):
            if len(members) > 1:
                raise AnsibleError('%s: stack %s has %d instances tagged %s=bastion (%s); one of them would become the '
                                   'ProxyJump of every private host. Remove the extra ones, or set the bastion option to '
                                   'the jump host' % (self.NAME, stack, len(members), role_tag,
                                                      ', '.join('%s (%s)' % (f['instance_id'], f['ec2_tags'].get('Name', ''))
                                                                for f in members)))
            if members[0]['public_ip_address']:
                out[stack] = members[0]['public_ip_address']
        return out

    def _renamed(self, variables):
        """The instance's variables under their names with hostvars_prefix and hostvars_suffix, as amazon.aws's aws_ec2
        names them (the connection variables are set afterwards, under their own names)."""
        prefix, suffix = self.get_option('hostvars_prefix') or '', self.get_option('hostvars_suffix') or ''
        if not (prefix or suffix):
            return variables
        return dict(('%s%s%s' % (prefix, key, suffix), value) for key, value in variables.items())

    def _populate(self, instances):
        role_tag = self.get_option('role_tag')
        strict = self.get_option('strict')
        names = self._hostnames(instances)
        bastions = self._bastions(instances, role_tag)
        for facts in instances:
            # Everything below comes from AWS: marked unsafe, so no tag is ever templated
            # (in compose/groups/keyed_groups here, and in every play that uses the variables).
            # The host name is checked against HOSTNAME_RE (no brace, no space: nothing a template could be made
            # of) and stays a plain string, so group lists in `ansible-inventory --list` stay plain names on 2.17.
            host = names[facts['instance_id']]
            self.inventory.add_host(host)
            role = facts['ec2_tags'].get(role_tag)
            stack = facts['ec2_tags'].get('Stack')
            hostvars = self._renamed(dict(facts, role=role, stack=stack))
            hostvars['ansible_host'] = facts['public_ip_address'] or facts['private_ip_address']
            # A new instance's host key is learnt on the first connection and checked on every later one.
            hostvars['ansible_ssh_common_args'] = '-o StrictHostKeyChecking=accept-new'
            if not facts['public_ip_address'] and role != 'bastion':
                jump = self.get_option('bastion')
                if not jump and stack in bastions:
                    user = self.get_option('bastion_user')
                    jump = '%s@%s' % (user, bastions[stack]) if user else bastions[stack]
                if jump:
                    hostvars['ansible_ssh_common_args'] = '-o ProxyJump=%s -o StrictHostKeyChecking=accept-new' % jump
            hostvars = wrap_var(hostvars)
            for key, value in hostvars.items():
                self.inventory.set_variable(host, key, value)
            if role:
                group = self.inventory.add_group(self._sanitize_group_name(role))
                self.inventory.add_host(host, group=group)
            if stack:
                group = self.inventory.add_group(self._sanitize_group_name(stack_group(stack)))  # as the stack_group filter says
                self.inventory.add_host(host, group=group)
            self._set_composite_vars(self.get_option('compose'), hostvars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), hostvars, host, strict=strict)
        clash = sorted(set(names.values()) & set(self.inventory.groups))
        if clash:
            by_name = dict((v, k) for k, v in names.items())
            raise AnsibleError('%s: refused host names: %s; a host cannot have the name of a group (a tag would put it '
                               'in the place of the group)' % (self.NAME, ', '.join('%s (%s)' % (n, by_name[n]) for n in clash)))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        config = self._read_config_data(path)
        self._check_options(config)
        self._validate()
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option('cache') and cache
        update_cache = self.get_option('cache') and not cache
        instances = None
        if use_cache:
            try:
                instances = self._cache[cache_key]
            except KeyError:
                update_cache = True
            if instances is not None and not all(isinstance(i, dict) and 'ec2_tags' in i for i in instances):
                instances, update_cache = None, True  # written by an older version of this plugin
        if instances is None:
            instances = self._fetch()
        if update_cache:
            self._cache[cache_key] = instances
        self.inventory.set_variable('all', 'ec2_inventory_stack', self.get_option('stack'))
        self.inventory.set_variable('all', 'ec2_inventory_regions', self._regions())
        self._populate(instances)
