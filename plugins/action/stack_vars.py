# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A deprecation warning for each of the stack role's variables still set under its name before 0.2.0 (the role
copies their values with set_fact). Runs on the control node only (no connection to the host)."""
from __future__ import annotations

import re

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()

NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        unknown = set(self._task.args) - {'renamed', 'names'}
        if unknown:
            raise AnsibleActionFail('stack_vars: unknown option(s) %s; it takes renamed and names' % ', '.join(sorted(unknown)))
        renamed = self._task.args.get('renamed') or {}
        names = self._task.args.get('names') or []
        if not isinstance(renamed, dict) or not isinstance(names, list):
            raise AnsibleActionFail('stack_vars: renamed must be a dictionary (old name: new name) and names a list of old names')
        for old in names:
            new = renamed.get(old)
            if new is None or not NAME.match(str(new)):
                raise AnsibleActionFail('stack_vars: %s is not a renamed variable of the stack role (renamed lists those)' % old)
            display.deprecated(
                'The variable %s is now %s (the stack role\'s variables carry its prefix since 0.2.0). This run uses the value '
                'of %s as %s; rename it where you set it.' % (old, new, old, new),
                version='0.3.0', collection_name='seed.laravel_aws')
        result.update(changed=False, renamed=dict((old, renamed[old]) for old in names))
        return result
