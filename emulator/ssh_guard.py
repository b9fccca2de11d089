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
"""

import ipaddress
import json
import os
import re
import socket
import subprocess
import sys

REAL_SSH = os.environ.get('SEED_SSH_GUARD_SSH', '/usr/bin/ssh')
# Options of ssh that take an argument (man ssh): needed to tell the destination from option values.
WITH_ARGUMENT = set('BbcDEeFIiJLlmOopQRSWw')


def refuse(why):
    sys.stderr.write('ssh guard: refused, nothing was sent: %s\n' % why)
    sys.exit(255)


def allowed_addresses():
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
    proc = subprocess.run([REAL_SSH, '-G'] + argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        refuse('ssh -G could not resolve the call: %s' % (proc.stderr.strip() or proc.returncode))
    conf = {}
    for line in proc.stdout.splitlines():
        key, dummy, value = line.partition(' ')
        conf.setdefault(key.lower(), []).append(value)
    return conf


def check_host(host, allowed, what):
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        refuse('%s %s does not resolve: %s' % (what, host, exc))
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split('%', 1)[0])
        if not address.is_loopback and str(address) not in allowed:
            refuse('%s %s (%s) is neither 127.0.0.1 nor a container of the emulator\'s data plane; an address the emulator '
                   'reports must be mapped in the data plane\'s ssh_config before it is dialled' % (what, host, address))


def check(argv, allowed, depth=0):
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
    check_host(hostname, allowed if jumps.lower() != 'none' else set(), 'destination' if depth == 0 else 'jump host')
    if jumps.lower() != 'none':
        for jump in jumps.split(','):
            check(config_files(argv) + jump_args(jump), allowed, depth + 1)


def jump_args(jump):
    """ssh arguments for one ProxyJump entry ([ssh://][user@]host[:port], ssh -G writes host as [host])."""
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


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not passes_through(argv):
        check(argv, allowed_addresses())
    os.execv(REAL_SSH, [REAL_SSH] + argv)


if __name__ == '__main__':
    main()
