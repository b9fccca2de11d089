"""The preflight's filters over AWS's rule table: the playbooks refuse what the modules and AWS refuse."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.seed.laravel_aws.plugins.filter.stack import aws_rule_problem, aws_tags_problem


@pytest.mark.parametrize('value, service, operation, parameter, params, wanted', [
    ('a' * 17, 'rds', 'CreateDBInstance', 'MasterUsername', {'Engine': 'postgres'}, 'MasterUsername'),
    ('1admin', 'rds', 'CreateDBInstance', 'MasterUsername', None, 'MasterUsername'),
    ('internal-web', 'elbv2', 'CreateLoadBalancer', 'Name', None, "must not begin with \"internal-\""),
    (7, 'elasticache', 'CreateReplicationGroup', 'NumCacheClusters', None, 'NumCacheClusters'),
    ('mon:03:00-mon:03:30', 'elasticache', 'CreateReplicationGroup', 'PreferredMaintenanceWindow', None, '60'),
])
def test_a_value_aws_refuses_is_named_with_the_rule_and_its_page(value, service, operation, parameter, params, wanted):
    text = aws_rule_problem(value, service, operation, parameter, params)
    assert wanted in text and 'https://docs.aws.amazon.com/' in text
    assert str(value) not in text or len(str(value)) < 3


@pytest.mark.parametrize('value, service, operation, parameter', [
    ('seed_admin', 'rds', 'CreateDBInstance', 'MasterUsername'),
    ('demo-alb', 'elbv2', 'CreateLoadBalancer', 'Name'),
    (2, 'elasticache', 'CreateReplicationGroup', 'NumCacheClusters'),
])
def test_a_value_aws_takes_is_no_problem(value, service, operation, parameter):
    assert aws_rule_problem(value, service, operation, parameter) == ''


def test_a_parameter_without_rules_is_a_mistake_in_the_playbook():
    with pytest.raises(AnsibleFilterError, match='no rule for rds CreateDBInstance Nope'):
        aws_rule_problem('x', 'rds', 'CreateDBInstance', 'Nope')


def test_tags_are_judged_key_and_value_by_the_service_rules():
    assert aws_tags_problem({'Owner': 'ops'}, 'elbv2', 'CreateLoadBalancer') == ''
    assert "tag key 'aws:owner'" in aws_tags_problem({'aws:owner': 'ops'}, 'rds', 'CreateDBInstance')
    assert "the value of tag 'Owner'" in aws_tags_problem({'Owner': 'ops#1'}, 'elbv2', 'CreateLoadBalancer')
