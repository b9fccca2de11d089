# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rds_instance module with a line of progress while it waits: ``rds_instance demo-db: creating (1m30s of 30m)``
every 30 seconds (see plugins/plugin_utils/progress.py; SEED_PROGRESS_INTERVAL in the environment shortens it). The
module's result is returned unchanged."""
from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.seed.laravel_aws.plugins.plugin_utils.progress import ProgressAction


class ActionModule(ProgressAction):
    MODULE = 'rds_instance'
    RESULT_KEY = 'rds_instance'
    NAME_OPTIONS = ('identifier', 'db_instance_identifier', 'instance_id', 'id')
    WAIT_TIMEOUT = 1800
    SETTLED = ('available',)
    # module_utils/rds_instance.py: its wait fails at FAILED_STATES, and does not wait for a stopped instance
    STOPS = ('failed', 'incompatible-parameters', 'incompatible-network', 'incompatible-restore', 'restore-error',
             'storage-full', 'inaccessible-encryption-credentials', 'stopped', 'stopping', 'deleting')

    def resends(self, args):
        """force_update_password (update_password: always) sends the master password on every run."""
        return boolean(args.get('force_update_password', False), strict=False) or args.get('update_password') == 'always'
