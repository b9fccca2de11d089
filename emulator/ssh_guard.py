"""ssh for the emulator's demo: the real ssh, but only to addresses of the demo's own.

The emulator reports instance addresses from real AWS ranges (public 54.x.x.x, private ones from
the VPC's range). Dialled as they are, they would send packets to the internet. This wrapper
stands where ssh is called (Ansible's ssh_executable, and first on PATH so that ssh's own
ProxyJump goes through it too): before anything is sent it asks `ssh -G` where the call would
really go, with the same options and config files, and refuses, with exit 255, unless

  - every host dialled from here (the destination, or the first jump host) resolves to a loopback
    address: the public addresses are mapped there by the data plane's ssh_config, and
  - a host reached through a jump host resolves to the address of a container the emulator's
    data plane runs (from its addresses.json): a private host, as on AWS, only via the bastion.

    SEED_SSH_GUARD_ADDRESSES  the data plane's addresses.json (unset: loopback only)
    SEED_SSH_GUARD_SSH        the real ssh (default /usr/bin/ssh)
    SEED_SSH_GUARD_CACHE      a folder for the calls found safe (unset: every call is checked)

Ansible runs ssh several times a task (a template: five), so a check of 30-40 ms (Python's imports, two
`ssh -G`) came to about a tenth of the demo's time on the hosts, which AWS would not have. With a cache
folder, a call found safe is written there under a digest of what decides where it goes: its options and
destination (not the remote command), and the size and time of the config files (-F, and what they
Include) and of addresses.json. The same call again is let through on a look-up, with no `ssh -G` and only
`os`, `sys` and `hashlib` imported; a changed config or address list makes a new digest, checked in full.
Only calls whose hosts all resolved from IP literals are cached (a name may resolve elsewhere later).
"""

import hashlib
import os
import sys

REAL_SSH = os.environ.get('SEED_SSH_GUARD_SSH', '/usr/bin/ssh')
# Options of ssh that take an argument (man ssh): needed to tell the destination from option values.
WITH_ARGUMENT = set('BbcDEeFIiJLlmOopQRSWw')


def refuse(why):
    sys.stderr.write('ssh guard: refused, nothing was sent: %s\n' % why)
    sys.exit(255)


def allowed_addresses():
    import json
    path = os.environ.get('SEED_SSH_GUARD_ADDRESSES')
    if not path:
        return set()
    try:
        with open(path) as f:
            return set(json.load(f).get('containers', []))
    except (OSError, ValueError) as exc:
        refuse('cannot read the allowed addresses %s: %s' % (path, exc))
    return set()


def config_files(argv):
    """The -F options of a call (ssh passes -F on to the ssh it runs for a ProxyJump)."""
    out = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == '-F' and i + 1 < len(argv):
            out += ['-F', argv[i + 1]]
            i += 2
            continue
        if arg.startswith('-F') and len(arg) > 2:
            out += ['-F', arg[2:]]
        i += 1
    return out


def resolved(argv):
    """ssh -G: the effective configuration of a call, as a dict of lists."""
    import subprocess
    proc = subprocess.run([REAL_SSH, '-G'] + argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        refuse('ssh -G could not resolve the call: %s' % (proc.stderr.strip() or proc.returncode))
    conf = {}
    for line in proc.stdout.splitlines():
        key, dummy, value = line.partition(' ')
        conf.setdefault(key.lower(), []).append(value)
    return conf


def check_host(host, allowed, what):
    """Refuse unless ``host`` is loopback or in ``allowed``; True when it is an IP literal (its answer cannot change)."""
    import ipaddress
    import socket
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        refuse('%s %s does not resolve: %s' % (what, host, exc))
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split('%', 1)[0])
        if not address.is_loopback and str(address) not in allowed:
            refuse('%s %s (%s) is neither 127.0.0.1 nor a container of the emulator\'s data plane; an address the emulator '
                   'reports must be mapped in the data plane\'s ssh_config before it is dialled' % (what, host, address))
    try:
        ipaddress.ip_address(host.strip('[]'))
        return True
    except ValueError:
        return False


def check(argv, allowed, depth=0):
    """Refuse a call that would dial anything but loopback or the data plane's containers; True when every host
    it names resolved from an IP literal."""
    if depth > 4:
        refuse('more than 4 jump hosts')
    conf = resolved(argv)
    hostname = conf.get('hostname', [''])[0]
    if not hostname:
        refuse('no destination')
    command = conf.get('proxycommand', ['none'])[0]
    if command.lower() != 'none':
        refuse('ProxyCommand %r: only ProxyJump is allowed (its hosts can be checked)' % command)
    jumps = conf.get('proxyjump', ['none'])[0]
    # Dialled from here: loopback only (a public address mapped by the data plane's ssh_config). A container's
    # own address is a private one: reached from a jump host, as on AWS, never straight from the control node.
    literal = check_host(hostname, allowed if jumps.lower() != 'none' else set(), 'destination' if depth == 0 else 'jump host')
    if jumps.lower() != 'none':
        for jump in jumps.split(','):
            literal = check(config_files(argv) + jump_args(jump), allowed, depth + 1) and literal
    return literal


def jump_args(jump):
    """ssh arguments for one ProxyJump entry ([ssh://][user@]host[:port], ssh -G writes host as [host])."""
    import re
    jump = jump.strip()
    if jump.startswith('ssh://'):
        jump = jump[len('ssh://'):]
    match = re.match(r'^(?:(?P<user>[^@]+)@)?(?:\[(?P<bracketed>[^\]]+)\]|(?P<host>[^:]+))(?::(?P<port>[0-9]+))?$', jump)
    if not match:
        refuse('cannot read the jump host %r' % jump)
    host = match.group('bracketed') or match.group('host')
    out = ['-p', match.group('port')] if match.group('port') else []
    return out + ['%s@%s' % (match.group('user'), host) if match.group('user') else host]


def passes_through(argv):
    """Calls that send nothing: version, help, and ControlMaster commands on an open connection."""
    for i, arg in enumerate(argv):
        if arg in ('-V', '-G'):
            return True
        if arg == '-O' and i + 1 < len(argv) and argv[i + 1] in ('check', 'exit', 'stop'):
            return True
    return False


def destination_end(argv):
    """The index just past the destination (what follows is the remote command), or len(argv)."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == '--':
            return min(i + 2, len(argv))
        if arg.startswith('-') and len(arg) > 1:
            # -o Opt, -oOpt, -p 22, -p22, and flags grouped as -Ct or -Cp 22
            for j, letter in enumerate(arg[1:], 1):
                if letter in WITH_ARGUMENT:
                    i += 1 if j < len(arg) - 1 else 2
                    break
            else:
                i += 1
            continue
        return i + 1
    return len(argv)


def config_inputs(argv):
    """The files that decide where a call goes: its -F files (or the user's and the system's config), the files
    they Include (as ssh reads them: relative to ~/.ssh), and the address list."""
    files = [f for i, f in enumerate(config_files(argv)) if i % 2] or [os.path.expanduser('~/.ssh/config'), '/etc/ssh/ssh_config']
    seen, queue = [], list(files)
    while queue and len(seen) < 64:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.append(path)
        try:
            with open(path) as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        for line in lines:
            words = line.strip().split()
            if len(words) > 1 and words[0].lower() == 'include':
                import glob
                for pattern in words[1:]:
                    pattern = os.path.expanduser(pattern)
                    if not os.path.isabs(pattern):
                        pattern = os.path.join(os.path.expanduser('~/.ssh'), pattern)
                    queue += sorted(glob.glob(pattern)) or [pattern]
    return seen + [os.environ.get('SEED_SSH_GUARD_ADDRESSES', '')]


def digest(argv, inputs):
    """What decides where a call goes: its options and destination, the guard itself, and its inputs' size and time."""
    h = hashlib.sha256()
    for part in [REAL_SSH, os.path.abspath(__file__)] + argv[:destination_end(argv)]:
        h.update(part.encode('utf-8', 'surrogateescape') + b'\0')
    for path in inputs + [os.path.abspath(__file__)]:
        try:
            st = os.stat(path)
            h.update(('%s %d %d\0' % (path, st.st_size, st.st_mtime_ns)).encode('utf-8', 'surrogateescape'))
        except OSError:
            h.update(('%s -\0' % path).encode('utf-8', 'surrogateescape'))
    return h.hexdigest()


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not passes_through(argv):
        cache = os.environ.get('SEED_SSH_GUARD_CACHE')
        entry = os.path.join(cache, digest(argv, config_inputs(argv))) if cache else None
        if entry is None or not os.path.exists(entry):
            if check(argv, allowed_addresses()) and entry:
                os.makedirs(cache, mode=0o700, exist_ok=True)
                with open(entry, 'w'):
                    pass
    os.execv(REAL_SSH, [REAL_SSH] + argv)


if __name__ == '__main__':
    main()
