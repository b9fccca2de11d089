"""The laravel role's release log and rollback_check (reads only): which release a rollback goes back to, found before
any host leaves the load balancer. The order is releases.log's (the order deploys put releases live), not the file
times; a release that is not there, or a name that is a path, is refused naming the releases there. A host deployed
before the log existed falls back to the .seed-release markers' times."""
import grp
import json
import os
import pwd
import re
import stat

import pytest

NAMES = ('20261201-aaaa', '20261202-bbbb', '20261203-cccc')
ME = {'laravel_deploy_user': pwd.getpwuid(os.getuid()).pw_name, 'laravel_web_group': grp.getgrgid(os.getgid()).gr_name}


def write_log(root, names):
    lines = [{'release': n, 'commit': n[-4:] * 10, 'time': '2026-12-0%dT00:00:00Z' % (i + 1), 'user': 'alice'} for i, n in enumerate(names)]
    (root / 'releases.log').write_text(''.join(json.dumps(line) + '\n' for line in lines))


@pytest.fixture
def bare(tmp_path):
    """Three checked releases (markers oldest aaaa, newest cccc), cccc live, no releases.log."""
    root = tmp_path / 'www' / 'app'
    for i, name in enumerate(NAMES):
        release = root / 'releases' / name
        release.mkdir(parents=True)
        marker = release / '.seed-release'
        marker.write_text('ok')
        os.utime(str(marker), (1000 + i, 1000 + i))
    (root / 'current').symlink_to(root / 'releases' / '20261203-cccc')
    return root


@pytest.fixture
def releases(bare):
    write_log(bare, NAMES)
    return bare


def check(play, root, release=''):
    return play([{'ansible.builtin.include_role': {'name': 'seed.laravel_aws.laravel', 'tasks_from': 'rollback_check'}},
                 {'ansible.builtin.debug': {'msg': 'GOING BACK TO {{ laravel_rollback_to | trim }}'}}],
                vars={'laravel_root': str(root), 'laravel_rollback_release': release})


def test_the_release_before_the_live_one(play, releases):
    proc = check(play, releases)
    assert proc.returncode == 0, proc.output
    assert 'GOING BACK TO %s/releases/20261202-bbbb' % releases in proc.output


def test_the_order_is_the_logs_not_the_file_times(play, bare):
    # bbbb's marker is newer than aaaa's, but aaaa went live after bbbb: the release before cccc is aaaa
    write_log(bare, ['20261202-bbbb', '20261201-aaaa', '20261203-cccc'])
    proc = check(play, bare)
    assert proc.returncode == 0, proc.output
    assert 'GOING BACK TO %s/releases/20261201-aaaa' % bare in proc.output


def test_a_release_deployed_again_goes_back_to_the_one_before_its_last_line(play, bare):
    # bbbb, cccc, rolled back (no line), aaaa deployed, then cccc again: the release before cccc is aaaa, the one
    # before its last line (before its first line is bbbb, and so is the newest marker but cccc's)
    write_log(bare, ['20261202-bbbb', '20261203-cccc', '20261201-aaaa', '20261203-cccc'])
    proc = check(play, bare)
    assert proc.returncode == 0, proc.output
    assert 'GOING BACK TO %s/releases/20261201-aaaa' % bare in proc.output


def test_a_logged_release_no_longer_on_the_host_is_skipped(play, releases):
    marker = releases / 'releases' / '20261202-bbbb' / '.seed-release'
    marker.unlink()  # pruned, or its build failed
    proc = check(play, releases)
    assert proc.returncode == 0, proc.output
    assert 'GOING BACK TO %s/releases/20261201-aaaa' % releases in proc.output


def test_a_named_release(play, releases):
    proc = check(play, releases, '20261201-aaaa')
    assert proc.returncode == 0, proc.output
    assert 'GOING BACK TO %s/releases/20261201-aaaa' % releases in proc.output


def test_without_a_log_the_markers_times_decide(play, bare):
    """A host deployed before releases.log existed: rollback still works, by the markers (the behaviour before 0.2.0)."""
    proc = check(play, bare)
    assert proc.returncode == 0, proc.output
    assert 'GOING BACK TO %s/releases/20261202-bbbb' % bare in proc.output


@pytest.mark.parametrize('release,says', [('no-such-release', 'laravel_rollback_release: no-such-release is not a release to go back to: '
                                                              'it is not in {root}/releases.log'),
                                          ('../../etc', 'is not a release id'), ('/etc', 'is not a release id')])
def test_a_release_that_is_not_there_is_refused_naming_those_there(play, releases, release, says):
    proc = check(play, releases, release)
    out = ' '.join(proc.output.split())
    assert proc.returncode != 0 and says.format(root=releases) in out, proc.output
    assert 'GOING BACK TO' not in proc.output
    assert (releases / 'current').resolve().name == '20261203-cccc'  # nothing changed
    if 'not in' in says:
        assert 'In releases.log: 20261201-aaaa, 20261202-bbbb, 20261203-cccc' in out
        assert 'nothing was changed' in out


def test_a_named_release_on_the_host_but_not_in_the_log_is_refused(play, bare):
    write_log(bare, ['20261202-bbbb', '20261203-cccc'])
    proc = check(play, bare, '20261201-aaaa')
    out = ' '.join(proc.output.split())
    assert proc.returncode != 0, proc.output
    assert 'laravel_rollback_release: 20261201-aaaa is not a release to go back to: it is not in %s/releases.log' % bare in out


def test_a_named_release_in_the_log_but_gone_from_the_host_is_refused(play, releases):
    (releases / 'releases' / '20261201-aaaa' / '.seed-release').unlink()
    proc = check(play, releases, '20261201-aaaa')
    out = ' '.join(proc.output.split())
    assert proc.returncode != 0, proc.output
    assert 'it is in %s/releases.log but not checked on the host' % releases in out


def test_nothing_before_the_live_one_is_refused(play, bare):
    write_log(bare, ['20261203-cccc'])
    proc = check(play, bare)
    out = ' '.join(proc.output.split())
    assert proc.returncode != 0, proc.output
    assert 'No earlier release to roll back to: none before the live release (20261203-cccc) in %s/releases.log' % bare in out
    assert 'Name one with laravel_rollback_release' in out


def test_two_rollbacks_in_one_run_each_pick_their_own(play, releases):
    """A play that rolls back twice (as the molecule scenario does: the release before, then a named one) must not reuse
    the first pick for the second: rollback picks again. The handlers (reload apache) are not run: the play ends first."""
    rollback = {'ansible.builtin.include_role': {'name': 'seed.laravel_aws.laravel', 'tasks_from': 'rollback'}}
    tasks = [rollback,
             {'ansible.builtin.debug': {'msg': 'FIRST {{ laravel_rollback_to | trim }}'}},
             {'ansible.builtin.set_fact': {'laravel_rollback_release': '20261201-aaaa'}},
             rollback,
             {'ansible.builtin.debug': {'msg': 'SECOND {{ laravel_rollback_to | trim }}'}},
             {'ansible.builtin.meta': 'end_play'}]
    proc = play(tasks, vars=dict(ME, laravel_root=str(releases), laravel_rollback_release=''), gather_facts=True)
    assert 'FIRST %s/releases/20261202-bbbb' % releases in proc.output, proc.output[-3000:]
    assert 'SECOND %s/releases/20261201-aaaa' % releases in proc.output, proc.output[-3000:]
    assert (releases / 'current').resolve().name == '20261201-aaaa'
    assert len((releases / 'releases.log').read_text().splitlines()) == 3  # a rollback writes no line


# The release log, as symlink.yml writes it after `current` switched (tasks_from: release_log, given what the deploy knows).
COMMIT = '0123456789abcdef0123456789abcdef01234567'


def log_release(play, root, changed=True, user=None, found=()):
    extra = {'laravel_release_log_user': user} if user else {}
    return play([{'ansible.builtin.include_role': {'name': 'seed.laravel_aws.laravel', 'tasks_from': 'release_log'}}],
                vars=dict(ME, laravel_root=str(root), laravel_switch={'changed': changed}, laravel_release_id=COMMIT[:12],
                          laravel_release_dir='%s/releases/%s' % (root, COMMIT[:12]), laravel_git={'after': COMMIT},
                          laravel_releases_found={'files': list(found)}, **extra))


def test_the_release_that_went_live_is_one_line_of_json_0664(play, tmp_path):
    root = tmp_path / 'app'
    root.mkdir()
    write_log(root, NAMES)
    proc = log_release(play, root, user='alice')
    assert proc.returncode == 0, proc.output
    lines = (root / 'releases.log').read_text().splitlines()
    assert len(lines) == 4 and json.loads(lines[0])['release'] == NAMES[0]
    last = json.loads(lines[-1])
    assert sorted(last) == ['commit', 'release', 'time', 'user']
    assert last['release'] == COMMIT[:12] and last['commit'] == COMMIT and last['user'] == 'alice'
    assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', last['time']), last['time']
    st = os.stat(str(root / 'releases.log'))
    assert stat.S_IMODE(st.st_mode) == 0o664
    assert pwd.getpwuid(st.st_uid).pw_name == ME['laravel_deploy_user'] and grp.getgrgid(st.st_gid).gr_name == ME['laravel_web_group']


def test_the_user_is_the_control_nodes(play, tmp_path):
    root = tmp_path / 'app'
    root.mkdir()
    proc = log_release(play, root)
    assert proc.returncode == 0, proc.output
    who = os.environ.get('USER') or os.environ.get('LOGNAME') or 'unknown'
    assert json.loads((root / 'releases.log').read_text().splitlines()[-1])['user'] == who


def test_no_line_when_current_did_not_change(play, tmp_path):
    root = tmp_path / 'app'
    root.mkdir()
    write_log(root, NAMES)
    before = (root / 'releases.log').read_text()
    proc = log_release(play, root, changed=False)
    assert proc.returncode == 0, proc.output
    assert (root / 'releases.log').read_text() == before


def test_a_host_deployed_before_the_log_starts_it_with_its_checked_releases(play, bare):
    found = [{'path': str(bare / 'releases' / n / '.seed-release'), 'mtime': 1000 + i, 'isdir': False} for i, n in enumerate(NAMES)]
    found += [{'path': str(bare / 'releases' / n), 'mtime': 5000, 'isdir': True} for n in NAMES]
    proc = log_release(play, bare, user='alice', found=reversed(found))
    assert proc.returncode == 0, proc.output
    lines = [json.loads(line) for line in (bare / 'releases.log').read_text().splitlines()]
    assert [line['release'] for line in lines] == list(NAMES) + [COMMIT[:12]]
    assert lines[0] == {'release': NAMES[0], 'commit': None, 'time': '1970-01-01T00:16:40Z', 'user': None}
    assert stat.S_IMODE(os.stat(str(bare / 'releases.log')).st_mode) == 0o664
