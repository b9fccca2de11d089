#!/usr/bin/python
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r'''
module: stack_vars
short_description: Warn of the stack role's variables set under their names before 0.2.0
version_added: 0.2.0
description:
  - The P(seed.laravel_aws.stack#role) role's variables carry the prefix C(stack_) since 0.2.0 (C(vpc_cidr) is C(stack_vpc_cidr),
    C(aws_region) is C(stack_region), ...), so they no longer collide with variables of your own.
  - The role runs this action first in every play when a variable is still set under its old name. It prints a deprecation
    warning naming the old name and the new one; the role then copies the value to the new name with M(ansible.builtin.set_fact),
    for the rest of the run. The old names are dropped in 0.3.0.
  - It runs on the control node only and never connects to the host.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  renamed:
    description: Old name to new name, for every renamed variable (the role's C(stack_renamed_vars)).
    type: dict
    required: true
  names:
    description: The old names that are set.
    type: list
    elements: str
    required: true
attributes:
  action:
    support: full
    description: Runs on the control node as an action plugin.
  check_mode:
    support: full
    description: It only warns, in check mode as well.
  diff_mode:
    support: none
    description: It changes nothing.
'''

EXAMPLES = r'''
- name: A warning for each old name still set
  seed.laravel_aws.stack_vars:
    renamed: {vpc_cidr: stack_vpc_cidr, web_count: stack_web_count}
    names: [web_count]
'''

RETURN = r'''
renamed:
  description: Each old name that is set, with its new name.
  returned: always
  type: dict
  sample: {web_count: stack_web_count}
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(renamed=dict(type='dict', required=True), names=dict(type='list', elements='str', required=True)),
                           supports_check_mode=True)
    module.fail_json(msg='seed.laravel_aws.stack_vars runs on the control node through its action plugin')


if __name__ == '__main__':
    main()
