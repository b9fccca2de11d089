# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cache_cluster module with a line of progress while it waits: ``cache_cluster demo-redis: creating (1m30s of 30m)``
every 30 seconds (see plugins/plugin_utils/progress.py; SEED_PROGRESS_INTERVAL in the environment shortens it). The
module's result is returned unchanged."""
from __future__ import annotations

from ansible_collections.seed.laravel_aws.plugins.plugin_utils.progress import ProgressAction


class ActionModule(ProgressAction):
    MODULE = 'cache_cluster'
    RESULT_KEY = 'cache_cluster'
    NAME_OPTIONS = ('name',)
    WAIT_TIMEOUT = 1800
    SETTLED = ('available',)
    # module_utils/elasticache.py wait_status: its wait fails at these; a cluster being deleted is refused
    STOPS = ('create-failed', 'incompatible-network', 'deleting')

    def resends(self, args):
        """update_auth_token rotate, set or always sends the AUTH token on every run."""
        return args.get('auth_token') is not None and args.get('update_auth_token', 'on_create') != 'on_create'
