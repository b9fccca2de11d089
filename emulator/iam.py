"""IAM as AWS answers it where moto does not (emulator.server.Hook ``Iam``; the aws profile only).

Quotas. moto reports IAM's default quotas in GetAccountSummary but enforces none of them; AWS refuses with
LimitExceeded ("IAM and AWS STS quotas", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html;
"IAM doesn't count white space when calculating the size of a policy against these quotas"):

- a role's trust policy longer than 2,048 characters (the default of "Role trust policy length"; CreateRole,
  UpdateAssumeRolePolicy): "Cannot exceed quota for ACLSizePerRole: 2048";
- a role's inline policies longer than 10,240 characters together ("Role policy size"; PutRolePolicy, counting the
  others the role has): "Maximum policy size of 10240 bytes exceeded for role <name>";
- an 11th managed policy attached to a role (the default of "Managed policies attached to an IAM role";
  AttachRolePolicy): "Cannot exceed quota for PoliciesPerRole: 10".

Eventual consistency. "IAM ... achieves high availability by replicating data across multiple servers within Amazon's
data centers ... changes that you make are not always immediately visible"; a profile just made, or a role just added
to one, is among them, and "an instance profile that you create might not be immediately available to associate with
an EC2 instance" (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
So, for ``profile.seconds('iam', 'instance_profile', 'propagation')`` after CreateInstanceProfile or
AddRoleToInstanceProfile:

- GetInstanceProfile answers the profile without the role just added (a new profile: NoSuchEntity, as IAM answers a
  name it does not know);
- RunInstances naming it (IamInstanceProfile.Name or .Arn) answers InvalidParameterValue "Value (<name>) for parameter
  iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name", as EC2 answers a profile it cannot see yet.

The moto profile has none of this.
"""

import re
import threading
import xml.etree.ElementTree as ET

from emulator.server import Hook

BAD_REQUEST, NOT_FOUND, CONFLICT = '400 Bad Request', '404 Not Found', '409 Conflict'
TRUST_QUOTA, INLINE_QUOTA, MANAGED_QUOTA = 2048, 10240, 10


def iam_backend():
    try:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.iam.models import iam_backends
        return iam_backends[DEFAULT_ACCOUNT_ID]['global']
    except Exception:  # pylint: disable=broad-except
        return None


def size(text):
    """A policy's size as IAM counts it: its characters but white space."""
    return len(''.join((text or '').split()))


def without_roles(payload):
    """GetInstanceProfile's answer without the profile's roles (the role just added is not seen yet)."""
    try:
        root = ET.fromstring(payload)
    except ET.ParseError:
        return payload
    ns = root.tag[1:].split('}', 1)[0] if root.tag.startswith('{') else ''
    removed = False
    for roles in root.iter('{%s}Roles' % ns if ns else 'Roles'):
        for member in list(roles):
            roles.remove(member)
            removed = True
    if not removed:
        return payload
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding='unicode', default_namespace=ns or None)).encode()


class Iam(Hook):
    """IAM's quotas, and the propagation of instance profiles (aws profile)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.changed = {}  # profile name -> (when its last change is seen, 'created' or 'role')

    def reset(self):
        with self.lock:
            self.changed = {}

    def settle(self):
        """Every profile made so far is seen from now on (POST /_seed/settle)."""
        self.reset()

    def state(self):
        with self.lock:
            return {'propagating_profiles': sorted(self.changed)}

    @property
    def strict(self):
        return self.profile is not None and self.profile.strict

    def _propagating(self, name):
        """'created', 'role' or None: what of the profile ``name`` IAM and EC2 do not see yet."""
        now = self.profile.now()
        with self.lock:
            for key in [k for k, (until, dummy) in self.changed.items() if until <= now]:
                del self.changed[key]
            entry = self.changed.get(name)
        return entry[1] if entry else None

    def refuse(self, action, form, region, environ, body):  # pylint: disable=unused-argument
        if not self.strict:
            return None
        check = getattr(self, '_refuse_' + action, None)
        return check(form) if check else None

    def _refuse_CreateRole(self, form):  # pylint: disable=invalid-name
        if size(form.get('AssumeRolePolicyDocument')) > TRUST_QUOTA:
            return BAD_REQUEST, 'LimitExceeded', 'Cannot exceed quota for ACLSizePerRole: %d' % TRUST_QUOTA
        return None

    def _refuse_UpdateAssumeRolePolicy(self, form):  # pylint: disable=invalid-name
        return self._refuse_CreateRole({'AssumeRolePolicyDocument': form.get('PolicyDocument')})

    def _role(self, form):
        backend = iam_backend()
        try:
            return backend.get_role(form.get('RoleName')) if backend is not None else None
        except Exception:  # pylint: disable=broad-except
            return None  # moto answers NoSuchEntity itself

    def _refuse_PutRolePolicy(self, form):  # pylint: disable=invalid-name
        role = self._role(form)
        if role is None:
            return None
        others = sum(size(doc) for name, doc in role.policies.items() if name != form.get('PolicyName'))
        if others + size(form.get('PolicyDocument')) > INLINE_QUOTA:
            return CONFLICT, 'LimitExceeded', 'Maximum policy size of %d bytes exceeded for role %s' % (INLINE_QUOTA, role.name)
        return None

    def _refuse_AttachRolePolicy(self, form):  # pylint: disable=invalid-name
        role = self._role(form)
        if role is None:
            return None
        attached = set(p.arn for p in role.managed_policies.values()) if isinstance(role.managed_policies, dict) \
            else set(getattr(p, 'arn', p) for p in role.managed_policies)
        if form.get('PolicyArn') not in attached and len(attached) >= MANAGED_QUOTA:
            return CONFLICT, 'LimitExceeded', 'Cannot exceed quota for PoliciesPerRole: %d' % MANAGED_QUOTA
        return None

    def _refuse_GetInstanceProfile(self, form):  # pylint: disable=invalid-name
        name = form.get('InstanceProfileName')
        if self._propagating(name) == 'created':
            return NOT_FOUND, 'NoSuchEntity', 'Instance Profile %s cannot be found.' % name
        return None

    def _refuse_RunInstances(self, form):  # pylint: disable=invalid-name
        given = form.get('IamInstanceProfile.Name') or form.get('IamInstanceProfile.Arn')
        name = re.sub(r'^.*instance-profile/(?:.*/)?', '', given or '')
        if name and self._propagating(name):
            return (BAD_REQUEST, 'InvalidParameterValue',
                    'Value (%s) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name' % name)
        return None

    def after(self, action, form, payload, region):
        if not self.strict:
            return payload
        if action in ('CreateInstanceProfile', 'AddRoleToInstanceProfile'):
            name = form.get('InstanceProfileName')
            until = self.profile.now() + self.profile.seconds('iam', 'instance_profile', 'propagation')
            with self.lock:
                kind = 'created' if action == 'CreateInstanceProfile' or self.changed.get(name, (0, ''))[1] == 'created' else 'role'
                self.changed[name] = (until, kind)
        elif action == 'GetInstanceProfile' and self._propagating(form.get('InstanceProfileName')) == 'role':
            return without_roles(payload)
        return payload
