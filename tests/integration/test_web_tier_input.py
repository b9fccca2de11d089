"""The web tier as an Auto Scaling group (stack_web_tier: asg): bad settings stop in the preflight of provision.yml, run
through inventory/aws as a user runs it, before any request that changes anything, each message naming the variable
and the fix: sizes out of order, a group in one zone, a health check grace period shorter than an instance's boot, an
artifact bucket name S3 refuses."""
import pytest

from test_one_path import guard, user, vars_file  # noqa: F401  pylint: disable=unused-import


@pytest.mark.parametrize('settings, expect', [
    ({'stack_asg_min_size': 3, 'stack_asg_desired_capacity': 2}, 'stack_asg_min_size 3, stack_asg_desired_capacity 2'),
    ({'stack_asg_desired_capacity': 9}, 'the desired capacity must be from the minimum to the maximum'),
    ({'stack_availability_zones': ['us-east-1a'], 'stack_public_subnets': ['10.20.0.0/24'], 'stack_private_subnets': ['10.20.10.0/24']},
     'stack_availability_zones: us-east-1a - a group in one zone goes down with it'),
    ({'stack_asg_health_check_grace_period': 10}, "stack_asg_health_check_grace_period: 10 s is shorter than an instance's boot"),
    ({'stack_artifact_bucket': 'Demo_Artifacts'}, 'stack_artifact_bucket: '),
])
def test_bad_web_tier_settings_stop_in_the_preflight_before_any_change(user, aws, tmp_path, settings, expect):
    before = len(aws.mutating())
    spec = vars_file(tmp_path, stack_admin_cidr='198.51.100.7/32', stack_ssh_private_key_file=user.key, stack_web_tier='asg',
                     **settings)
    proc = user('provision.yml', '-e', spec)
    out = ' '.join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0 and expect in out, out[-3000:]
    assert 'nothing was changed' in out
    assert aws.mutating()[before:] == []
