"""ssh for the emulator's demo: the real ssh, but only to addresses of the demo's own.

The emulator reports instance addresses from real AWS ranges (public 54.x.x.x, private ones from
the VPC's range). Dialled as they are, they would send packets to the internet. This wrapper
stands where ssh is called (Ansible's ssh_executable, sftp's and scp's -S, first on PATH in the
demo's shell). Its contract: no packet to any address but loopback and the data plane's containers,
whatever the arguments. Before anything is sent it reads the arguments as ssh does (options,
the destination, options again, then the remote command, which is never read as options), asks
`ssh -G` where the call would really go, with the same options and config files, and refuses, with
exit 255, unless

  - every host dialled from here (the destination, or the first jump host) resolves to a loopback
    address: the public addresses are mapped there by the data plane's ssh_config;
  - a host reached through a jump host (ProxyJump, or a ProxyCommand that is the guard itself)
    resolves to the address of a container the emulator's data plane runs (from its addresses.json):
    a private host, as on AWS, only via the bastion;
  - every forward's target (-L, -R, LocalForward, RemoteForward, and -W, which is how ssh runs a
    ProxyJump's hop) is loopback or such a container; -D, DynamicForward and a -R without a target
    are SOCKS proxies that reach anything, and are refused;
  - nothing runs a program of the call's choosing that could send something itself, or opens a way
    past the check while the session runs: ProxyCommand (unless it is the guard), LocalCommand,
    KnownHostsCommand, a PKCS#11 or security key library, `Match exec` in a config file (refused
    before ssh -G, which would run it), X11 forwarding (the display may be a TCP address), tunnel
    devices (-w, Tunnel) and EnableEscapeCommandline (~C adds forwards) are refused.

ssh runs a ProxyJump's hop as `<its own argv[0]> -W [host]:port jump`: the guard execs the real ssh with
its own wrapper as argv[0] (SEED_SSH_GUARD_SELF, which the wrapper sets), so the hop goes through the guard
too, on the control node and in the execution environment alike, whatever PATH holds.

    SEED_SSH_GUARD_ADDRESSES  the data plane's addresses.json (unset: loopback only)
    SEED_SSH_GUARD_SSH        the real ssh (default /usr/bin/ssh)
    SEED_SSH_GUARD_SELF       the guard's wrapper (scripts/demo.sh's bin/ssh): the argv[0] of the real ssh,
                              and the only program a ProxyCommand may run
    SEED_SSH_GUARD_CACHE      a folder for the calls found safe (unset: every call is checked)

Ansible runs ssh several times a task (a template: five), so a check of 30-40 ms (Python's imports, two
`ssh -G`) came to about a tenth of the demo's time on the hosts, which AWS would not have. With a cache
folder, a call found safe is written there under a digest of all that decides the verdict: every option
(those after the destination too) and the destination, not the remote command; the real ssh, the guard and
its wrapper; and the identity, size and time of the config files (-F, or the user's and the system's, and
what they Include), of addresses.json and of those programs. The same call again is let through on a
look-up, with no `ssh -G` and only `os`, `sys` and `hashlib` imported; anything changed makes a new digest,
checked in full. Only calls whose hosts all resolved from IP literals are cached (a name may resolve
elsewhere later).
"""

import hashlib
import os
import sys

# ssh(1)'s options, as ssh.c's getopt string has them (OpenSSH 7.3 to 9.x): those that take a value, and flags.
WITH_VALUE = frozenset('BbcDEeFIiJLlmOopQRSWw')
FLAGS = frozenset('1246AaCfGgKkMNnqsTtVvXxYy')
# -P is a flag that does nothing in older OpenSSH (9.2 has it so) and `-P tag` in newer ones: whether the next word
# is its value depends on the version of the real ssh, so a call with -P cannot be read for sure, and is refused.
UNCERTAIN = frozenset('P')
# What a ProxyCommand that is the guard may hold: its words, quotes and ssh's %h and %p, nothing a shell acts on.
SAFE_COMMAND = frozenset('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@,=+-[]\'" %')


class Refused(Exception):
    """The call would, or might, send a packet to an address that is not the demo's own."""


def refuse(why):
    raise Refused(why)


def real_ssh():
    return os.environ.get('SEED_SSH_GUARD_SSH', '/usr/bin/ssh')


def own_wrapper():
    """The guard's wrapper (SEED_SSH_GUARD_SELF) as an absolute path, or None."""
    path = os.environ.get('SEED_SSH_GUARD_SELF')
    return os.path.abspath(path) if path else None


class Call:
    """An ssh command line as ssh reads it: options [(letter, value or None)], the destination (or None), and
    ``end``, the index of the first word of the remote command."""

    def __init__(self, options, destination, end):
        self.options, self.destination, self.end = options, destination, end

    def values(self, letter):
        return [v for o, v in self.options if o == letter]

    def config_file(self):
        """The config file of -F (the last one counts, as in ssh.c), or None."""
        files = self.values('F')
        return files[-1] if files else None


def parse(argv):
    """Read ``argv`` as ssh.c does: getopt (BSD's: no reordering, a value is the rest of its word or the next word,
    whatever it looks like), the destination, then getopt again from the word after it unless `--` ended the
    options, up to the first word that is not an option; all the rest is the remote command."""
    options = []
    destination = None
    i, n = 0, len(argv)
    terminated = False
    while True:
        while i < n:
            arg = argv[i]
            if arg == '--':
                i += 1
                terminated = True
                break
            if not arg.startswith('-') or arg == '-':
                break
            j = 1
            while j < len(arg):
                letter = arg[j]
                if letter in WITH_VALUE:
                    if j + 1 < len(arg):
                        value = arg[j + 1:]
                    elif i + 1 < n:
                        i += 1
                        value = argv[i]
                    else:
                        refuse('-%s needs a value' % letter)
                    options.append((letter, value))
                    break
                if letter in UNCERTAIN:
                    refuse('-%s: a flag in older OpenSSH, an option with a value (a tag) in newer ones; the guard cannot tell '
                           'the destination from it' % letter)
                if letter not in FLAGS:
                    refuse('unknown option -%s' % letter)
                options.append((letter, None))
                j += 1
            i += 1
        if destination is not None or i >= n:
            break
        destination = argv[i]
        i += 1
        if terminated:
            break
    return Call(options, destination, i)


def exits_at_once(call):
    """-V and -Q: ssh prints and exits as it reads the option, before it reads any config file."""
    return any(o in ('V', 'Q') for o, dummy in call.options)


def sends_nothing(call):
    """Calls that read the config files but send nothing: a config dump (-G), and the control commands check, exit and
    stop to a master connection (they fail when there is none)."""
    commands = call.values('O')
    return any(o == 'G' for o, dummy in call.options) or bool(commands) and commands[-1] in ('check', 'exit', 'stop')


def refuse_commands_in_configs(executing):
    if executing:
        refuse('%s has a `Match exec`, a command ssh would run as it reads its config (ssh -G too)' % ', '.join(executing))


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


def resolved(argv):
    """ssh -G: the effective configuration of a call, as a dict of lists."""
    import subprocess
    proc = subprocess.run([real_ssh(), '-G'] + argv, capture_output=True, text=True, check=False)
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
    host = host.strip('[]')
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        refuse('%s %s does not resolve: %s' % (what, host, exc))
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split('%', 1)[0])
        if not address.is_loopback and str(address) not in allowed:
            refuse('%s %s (%s) is neither 127.0.0.1 nor a container of the emulator\'s data plane; an address the emulator '
                   'reports must be mapped in the data plane\'s ssh_config before it is dialled' % (what, host, address))
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def home():
    """The home folder ssh reads ~/.ssh from: the user's in the password database, not $HOME."""
    try:
        import pwd
        return pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError):
        return os.path.expanduser('~')


def config_inputs(call):
    """The config files ssh reads for a call: -F's (or the user's and the system's), and what they Include (relative
    to ~/.ssh in a user's file, to /etc/ssh in the system's). (paths, those with a `Match exec`)."""
    own = call.config_file()
    queue = [(own, 'user')] if own else [(os.path.join(home(), '.ssh', 'config'), 'user'), ('/etc/ssh/ssh_config', 'system')]
    seen, executing = [], []
    while queue and len(seen) < 64:
        path, kind = queue.pop(0)
        if path in seen:
            continue
        seen.append(path)
        try:
            with open(path) as f:
                lines = f.read().splitlines()
        except (OSError, UnicodeError):
            continue
        for line in lines:
            words = line.replace('=', ' ').strip().split()
            if not words:
                continue
            keyword = words[0].lower()
            if keyword == 'include':
                import glob
                for pattern in words[1:]:
                    if pattern.startswith('~/'):
                        pattern = os.path.join(home(), pattern[2:])
                    elif not os.path.isabs(pattern):
                        pattern = os.path.join(os.path.join(home(), '.ssh') if kind == 'user' else '/etc/ssh', pattern)
                    queue += [(p, kind) for p in sorted(glob.glob(pattern)) or [pattern]]
            elif keyword == 'match' and any(w.strip('"').lstrip('!').strip('"').lower() == 'exec' for w in words[1:]):
                executing.append(path)
    return seen, executing


def stdio_target(value):
    """The host of -W host:port ([host]:port, host/port), None for a Unix socket (no address)."""
    import re
    if value.startswith('/'):
        return None
    match = re.match(r'^\[([^\]]+)\][:/]([0-9]+)$', value) or re.match(r'^([^:/\[\]]+)[:/]([0-9]+)$', value)
    if not match:
        refuse('cannot read the target of -W %r' % value)
    return match.group(1)


def forward_target(value):
    """(listen, target host or None for a Unix socket, target port) of an `ssh -G` forward line."""
    import re
    listen, dummy, target = value.strip().partition(' ')
    target = target.strip()
    if target.startswith('/'):
        return listen, None, None
    match = re.match(r'^\[(.*)\]:([0-9]+)$', target)
    if not match:
        refuse('cannot read the forward %r' % value)
    return listen, match.group(1), match.group(2)


def check_forwards(conf, call, allowed):
    """Every forward's target is loopback or a container (True when all are IP literals); SOCKS is refused."""
    literal = True
    locals_to_sockets = set()
    for value in conf.get('localforward', []):
        listen, host, dummy = forward_target(value)
        if host is None:
            locals_to_sockets.add(listen)
            continue
        literal = check_host(host, allowed, 'the target of -L/LocalForward %s' % value) and literal
    for value in conf.get('remoteforward', []):
        listen, host, port = forward_target(value)
        if host == 'socks' and port == '0':
            refuse('-R/RemoteForward %s without a target is a SOCKS proxy, which reaches any address' % listen)
        if host is not None:
            literal = check_host(host, allowed, 'the target of -R/RemoteForward %s' % value) and literal
    for value in conf.get('dynamicforward', []):
        # ssh -G lists a -L from a Unix socket to a Unix socket among the dynamic ones too (readconf.c's dump)
        if value not in locals_to_sockets:
            refuse('-D/DynamicForward %s is a SOCKS proxy, which reaches any address' % value)
    for value in call.values('W'):
        host = stdio_target(value)
        if host is not None:
            literal = check_host(host, allowed, 'the target of -W %s' % value) and literal
    return literal


def is_guard_command(command):
    """True when a ProxyCommand runs the guard itself (which then checks its own arguments), with nothing a shell
    would act on and no token of ssh's but %h and %p."""
    import shlex
    import shutil
    if not set(command) <= SAFE_COMMAND:
        return False
    if command.replace('%%', '').replace('%h', '').replace('%p', '').count('%'):
        return False
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    if not words:
        return False
    program = words[0] if '/' in words[0] else shutil.which(words[0])
    guards = set(os.path.realpath(p) for p in (own_wrapper(), os.path.abspath(__file__)) if p)
    return bool(program) and os.path.realpath(program) in guards


def check(argv, allowed, depth=0):
    """Refuse a call that would dial anything but loopback or the data plane's containers; True when every host
    it names resolved from an IP literal."""
    if depth > 4:
        refuse('more than 4 jump hosts')
    call = parse(argv)
    if call.destination is None:
        refuse('no destination')
    refuse_commands_in_configs(config_inputs(call)[1])
    conf = resolved(argv)

    def first(key, default=''):
        return conf.get(key, [default])[0]
    hostname = first('hostname')
    if not hostname:
        refuse('no destination')
    if first('tunnel', 'false').lower() not in ('false', 'no'):
        refuse('-w/Tunnel %s: a tunnel device carries packets to any address' % first('tunnel'))
    if first('forwardx11', 'no').lower() != 'no':
        refuse('X11 forwarding (-X, -Y, ForwardX11): the display may be an address anywhere')
    if first('enableescapecommandline', 'no').lower() != 'no':
        refuse('EnableEscapeCommandline: the ~C command line adds forwards while the session runs, past any check')
    if first('permitlocalcommand', 'no').lower() != 'no' and first('localcommand'):
        refuse('LocalCommand %r: a command of its own on the control node' % first('localcommand'))
    for key, name, default in (('knownhostscommand', 'KnownHostsCommand', 'none'), ('pkcs11provider', 'PKCS11Provider', 'none'),
                               ('securitykeyprovider', 'SecurityKeyProvider', 'internal')):
        if first(key, default).lower() not in (default, ''):
            refuse('%s %r: a program of its own on the control node' % (name, first(key)))
    command = first('proxycommand', 'none')
    proxied = command.lower() != 'none'
    if proxied and not is_guard_command(command):
        refuse('ProxyCommand %r: only ProxyJump, or the guard itself, is allowed (their hosts can be checked)' % command)
    jumps = first('proxyjump', 'none')
    jumped = jumps.lower() != 'none'
    # Dialled from here: loopback only (a public address mapped by the data plane's ssh_config). A container's
    # own address is a private one: reached from a jump host, as on AWS, never straight from the control node.
    literal = check_host(hostname, allowed if (jumped or proxied) else set(), 'destination' if depth == 0 else 'jump host')
    literal = check_forwards(conf, call, allowed) and literal
    if jumped:
        own = call.config_file()
        for jump in jumps.split(','):
            literal = check((['-F', own] if own else []) + jump_args(jump), allowed, depth + 1) and literal
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


def digest(argv, call, inputs):
    """All that decides the verdict: every option and the destination (not the remote command), the real ssh, the
    guard, its wrapper and the address list's path, and the identity, size and time of the config files and those."""
    h = hashlib.sha256()
    wrapper = own_wrapper() or ''
    for part in [real_ssh(), os.path.abspath(__file__), wrapper, os.environ.get('SEED_SSH_GUARD_ADDRESSES', ''), '--argv--'] + argv[:call.end]:
        h.update(part.encode('utf-8', 'surrogateescape') + b'\0')
    for path in inputs + [os.environ.get('SEED_SSH_GUARD_ADDRESSES', ''), os.path.abspath(__file__), real_ssh(), wrapper]:
        try:
            st = os.stat(path)
            h.update(('%s %d %d %d %d %d\0' % (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
                     .encode('utf-8', 'surrogateescape'))
        except (OSError, ValueError):
            h.update(('%s -\0' % path).encode('utf-8', 'surrogateescape'))
    return h.hexdigest()


def check_once(argv, call, inputs):
    """check(), or a look-up of a call found safe before (SEED_SSH_GUARD_CACHE), under its digest."""
    cache = os.environ.get('SEED_SSH_GUARD_CACHE')
    entry = os.path.join(cache, digest(argv, call, inputs)) if cache else None
    if entry is not None and os.path.exists(entry):
        return
    if check(argv, allowed_addresses()) and entry is not None:
        os.makedirs(cache, mode=0o700, exist_ok=True)
        with open(entry, 'w'):
            pass


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        call = parse(argv)
        if not exits_at_once(call):
            inputs, executing = config_inputs(call)
            refuse_commands_in_configs(executing)
            if not sends_nothing(call):
                check_once(argv, call, inputs)
    except Refused as exc:
        sys.stderr.write('ssh guard: refused, nothing was sent: %s\n' % exc)
        sys.exit(255)
    # argv[0] is the guard's wrapper: ssh runs a ProxyJump's hop as its own argv[0], so the hop is checked too
    wrapper = own_wrapper()
    program = wrapper if wrapper and os.access(wrapper, os.X_OK) else real_ssh()
    os.execv(real_ssh(), [program] + argv)


if __name__ == '__main__':
    main()
