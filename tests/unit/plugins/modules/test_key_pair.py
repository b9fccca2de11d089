"""key_pair against moto in-process: import by fingerprint, create with a 0400 private key, force, bad input."""
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from ansible_collections.seed.laravel_aws.plugins.modules import key_pair

from ...conftest import mutating


def ssh_public(key):
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


@pytest.fixture(params=['ed25519', 'rsa'])
def public_key(request):
    if request.param == 'ed25519':
        return ssh_public(ed25519.Ed25519PrivateKey.generate())
    return ssh_public(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def test_import_then_rerun_without_any_mutating_call(aws, run_module, calls, public_key, tmp_path):
    path = tmp_path / 'id.pub'
    path.write_text(public_key + '\n')
    made = run_module(key_pair.main, {'name': 'demo', 'public_key_path': str(path), 'tags': {'Stack': 'demo'}})
    assert made['changed'] and made['key_pair']['fingerprint']
    assert 'KeyMaterial' not in str(made) and public_key.split()[1] not in str(made)
    del calls[:]
    again = run_module(key_pair.main, {'name': 'demo', 'public_key': public_key, 'tags': {'Stack': 'demo'}})
    assert again['changed'] is False and mutating(calls) == []
    assert calls == ['describe_key_pairs']


def test_other_material_needs_force(aws, run_module, public_key):
    run_module(key_pair.main, {'name': 'demo', 'public_key': public_key})
    other = ssh_public(ed25519.Ed25519PrivateKey.generate())
    refused = run_module(key_pair.main, {'name': 'demo', 'public_key': other})
    assert refused['failed'] and 'force' in refused['msg'] and refused['field'] == 'public_key'
    replaced = run_module(key_pair.main, {'name': 'demo', 'public_key': other, 'force': True})
    assert replaced['changed']
    assert run_module(key_pair.main, {'name': 'demo', 'public_key': other})['changed'] is False


def test_create_writes_the_private_key_0400_once(aws, run_module, tmp_path):
    pem = tmp_path / 'demo.pem'
    plan = run_module(key_pair.main, {'name': 'demo', 'private_key_path': str(pem)}, check_mode=True)
    assert plan['changed'] and not pem.exists()
    made = run_module(key_pair.main, {'name': 'demo', 'private_key_path': str(pem)})
    assert made['changed'] and made['key_pair']['private_key_path'] == str(pem)
    assert stat.S_IMODE(os.stat(pem).st_mode) == 0o400
    assert 'PRIVATE KEY' in pem.read_text() and 'PRIVATE KEY' not in str(made)
    content = pem.read_text()
    again = run_module(key_pair.main, {'name': 'demo', 'private_key_path': str(pem)})
    assert again['changed'] is False and pem.read_text() == content


def test_absent(aws, run_module, public_key):
    run_module(key_pair.main, {'name': 'demo', 'public_key': public_key})
    assert run_module(key_pair.main, {'name': 'demo', 'state': 'absent'})['changed']
    assert aws.describe_key_pairs()['KeyPairs'] == []
    assert run_module(key_pair.main, {'name': 'demo', 'state': 'absent'})['changed'] is False


def test_bad_input(aws, run_module, calls, tmp_path):
    existing = tmp_path / 'exists.pem'
    existing.write_text('x')
    cases = [
        ({'name': 'demo', 'public_key_path': str(tmp_path / 'missing.pub')}, 'public_key_path', 'cannot read'),
        ({'name': 'demo', 'private_key_path': str(existing)}, 'private_key_path', 'never overwritten'),
        ({'name': 'demo', 'public_key': 'ssh-rsa notbase64'}, 'public_key', 'not an OpenSSH public key'),
        ({'name': 'demo'}, 'public_key', 'private_key_path'),
        ({'name': 'demo', 'private_key_path': str(tmp_path / 'nodir' / 'k.pem')}, 'private_key_path', 'does not exist'),
    ]
    for args, field, words in cases:
        result = run_module(key_pair.main, args)
        assert result['failed'] and result['field'] == field and words in result['msg'], (args, result['msg'])
    assert mutating(calls) == []
    assert existing.read_text() == 'x'


def test_stack_tags_the_key_pair_and_keeps_other_tags(aws, run_module, calls):
    key = ssh_public(ed25519.Ed25519PrivateKey.generate())
    made = run_module(key_pair.main, {'name': 'demo', 'public_key': key, 'stack': 'demo', 'tags': {'Owner': 'ops'}})
    assert made['changed'] and made['key_pair']['tags'] == {'Owner': 'ops', 'Stack': 'demo'}
    del calls[:]
    again = run_module(key_pair.main, {'name': 'demo', 'public_key': key, 'stack': 'demo'})  # no tags: Stack only, Owner kept
    assert again['changed'] is False and mutating(calls) == []
    assert again['key_pair']['tags'] == {'Owner': 'ops', 'Stack': 'demo'}
