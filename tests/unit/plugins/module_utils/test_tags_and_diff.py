import pytest

from ansible_collections.seed.laravel_aws.plugins.module_utils import diff, tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import canonical_cidr
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError


def test_tag_list_round_trip_is_sorted():
    lst = tags.dict_to_boto3_tags({'b': '2', 'a': '1'})
    assert lst == [{'Key': 'a', 'Value': '1'}, {'Key': 'b', 'Value': '2'}]
    assert tags.boto3_tags_to_dict(lst) == {'a': '1', 'b': '2'}


def test_compare_with_and_without_purge():
    current = {'Name': 'x', 'Old': '1', 'aws:cloudformation:stack': 's'}
    assert tags.compare_tags(current, {'Name': 'x', 'New': '2'}, purge=True) == ({'New': '2'}, ['Old'])
    assert tags.compare_tags(current, {'Name': 'y'}, purge=False) == ({'Name': 'y'}, [])
    assert tags.compare_tags(current, None) == ({}, [])


@pytest.mark.parametrize('bad', [{'aws:x': '1'}, {'': '1'}, {'k' * 129: '1'}, {'k': 'v' * 257}, ['a']])
def test_bad_tags_are_refused(bad):
    with pytest.raises(ValidationError) as err:
        tags.normalize_tags(bad, 'tags')
    assert err.value.field == 'tags'


def test_values_are_strings():
    assert tags.normalize_tags({'n': 1, 'e': None}) == {'n': '1', 'e': ''}


def test_canonical_cidr():
    assert canonical_cidr('10.0.0.0/16', 'c') == '10.0.0.0/16'
    with pytest.raises(ValidationError, match='canonical form is 10.10.0.0/20'):
        canonical_cidr('10.10.10.0/20', 'c')


def test_diff_shape():
    d = diff.make_diff(None, {'a': 1})
    assert d == {'before': {}, 'after': {'a': 1}}
    assert diff.changed_keys({'a': 1, 'b': 2}, {'a': 1, 'b': 3, 'c': 4}) == ['b', 'c']
