"""The laravel role's rollback_check (reads only): which release a rollback goes back to, found before any host leaves the
load balancer; a release that is not there, or a name that is a path, is refused naming the releases there."""
import os

import pytest


@pytest.fixture
def releases(tmp_path):
    root = tmp_path / 'www' / 'app'
    for i, name in enumerate(('20261201-aaaa', '20261202-bbbb', '20261203-cccc')):
        release = root / 'releases' / name
        release.mkdir(parents=True)
        marker = release / '.seed-release'
        marker.write_text('ok')
        os.utime(str(marker), (1000 + i, 1000 + i))
    (root / 'current').symlink_to(root / 'releases' / '20261203-cccc')
    return root


def check(play, root, release=''):
    return play([{'ansible.builtin.include_role': {'name': 'seed.laravel_aws.laravel', 'tasks_from': 'rollback_check'}},
                 {'ansible.builtin.debug': {'msg': 'GOING BACK TO {{ laravel_rollback_to | trim }}'}}],
                vars={'laravel_root': str(root), 'laravel_rollback_release': release})


def test_the_release_before_the_live_one(play, releases):
    proc = check(play, releases)
    assert proc.returncode == 0, proc.output
    assert 'GOING BACK TO %s/releases/20261202-bbbb' % releases in proc.output


def test_a_named_release(play, releases):
    proc = check(play, releases, '20261201-aaaa')
    assert proc.returncode == 0, proc.output
    assert 'GOING BACK TO %s/releases/20261201-aaaa' % releases in proc.output


@pytest.mark.parametrize('release,says', [('no-such-release', 'no checked release no-such-release'),
                                          ('../../etc', 'is not a release id'), ('/etc', 'is not a release id')])
def test_a_release_that_is_not_there_is_refused_naming_those_there(play, releases, release, says):
    proc = check(play, releases, release)
    out = ' '.join(proc.output.split())
    assert proc.returncode != 0 and says in out, proc.output
    assert 'GOING BACK TO' not in proc.output
    assert (releases / 'current').resolve().name == '20261203-cccc'  # nothing changed
    if 'no checked release' in says:
        assert '20261201-aaaa' in out and '20261202-bbbb' in out


def test_two_rollbacks_in_one_run_each_pick_their_own(play, releases):
    """A play that rolls back twice (as the molecule scenario does: the release before, then a named one) must not reuse
    the first pick for the second: rollback picks again. The handlers (reload apache) are not run: the play ends first."""
    import grp
    import pwd
    me = {'laravel_deploy_user': pwd.getpwuid(os.getuid()).pw_name, 'laravel_web_group': grp.getgrgid(os.getgid()).gr_name}
    rollback = {'ansible.builtin.include_role': {'name': 'seed.laravel_aws.laravel', 'tasks_from': 'rollback'}}
    tasks = [rollback,
             {'ansible.builtin.debug': {'msg': 'FIRST {{ laravel_rollback_to | trim }}'}},
             {'ansible.builtin.set_fact': {'laravel_rollback_release': '20261201-aaaa'}},
             rollback,
             {'ansible.builtin.debug': {'msg': 'SECOND {{ laravel_rollback_to | trim }}'}},
             {'ansible.builtin.meta': 'end_play'}]
    proc = play(tasks, vars=dict(me, laravel_root=str(releases), laravel_rollback_release=''), gather_facts=True)
    assert 'FIRST %s/releases/20261202-bbbb' % releases in proc.output, proc.output[-3000:]
    assert 'SECOND %s/releases/20261201-aaaa' % releases in proc.output, proc.output[-3000:]
    assert (releases / 'current').resolve().name == '20261201-aaaa'
