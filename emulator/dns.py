"""Route 53's DNS, in the data plane: every VPC's resolver answers from the emulator's Route 53.

On AWS an instance asks the VPC's resolver (AmazonProvidedDNS, at the VPC's base address plus two,
https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html), which answers the public hosted
zones' records as Route 53's name servers hold them, and the load balancers' names. Here:

- one dnsmasq (Debian's package, image seed/dns:bookworm made by scripts/images.sh) per VPC network of the
  data plane, at the VPC's base address plus two, started when the data plane makes the network; the
  instances' containers get it as their nameserver (``docker run --dns``: Docker's resolver in the container
  still answers the network's own names, such as the demo's git server and the RDS endpoints, and asks
  this one for every other name);
- what it answers is Route 53's state as of the last change that is INSYNC (a change is seen by DNS only once
  GetChange would say INSYNC, ``profile.seconds('route53', 'change', 'insync')`` after it was submitted; a
  deleted record or zone stops resolving the same way): each public hosted zone's A, AAAA, CNAME, TXT, MX,
  SRV and NS records as written (a name below a zone that exists as a zone of its own is that zone's), and
  alias records resolved as Route 53 resolves them: an alias to an Application Load Balancer answers the
  address its HAProxy container has on the VPC's network (there is no IPv6 in the data plane: an AAAA alias
  answers no address), an alias to another record of the zone answers that record's values. The load
  balancers' DNS names (and their dualstack. names) answer the same address, as AWS's resolver answers them;
- every other name is NXDOMAIN: the config has ``no-resolv`` and no ``server=`` line, so nothing is ever
  forwarded to a resolver of the host or of the internet. One exception: the Debian mirror the images
  install from (a name in apt's sources, the same one scripts/images.sh takes), which the instances reached
  by name before and must still reach, is answered with the addresses the host resolves it to;
- the config (``<data plane>/dns/dnsmasq.conf``) is written again, and each dnsmasq restarted on it (a few
  milliseconds; dnsmasq reads CNAME and TXT records only at start), within a second of what it answers
  changing: a change becoming INSYNC, a load balancer's container starting or going.

The emulator's HTTP proxy (emulator.proxy) resolves names the same way, from the same state (:meth:`Dns.names`),
so a browser on this machine that uses the proxy reaches ``https://<your domain>/``.

Without the image (scripts/images.sh not run since it was added), no DNS server runs: the instances keep
Docker's resolver, as before, and the log says so once.
"""

import ipaddress
import os
import re
import socket
import threading
import time
from urllib.parse import urlsplit

from emulator.dataplane import LABEL, LABEL_VALUE, docker, write_atomic
from emulator.server import Hook

IMAGE = os.environ.get('SEED_DNS_IMAGE', 'seed/dns:bookworm')
POLL = 0.25
CONF = '/etc/seed-dns/dnsmasq.conf'
PIDFILE = '/run/seed-dns.pid'
# dnsmasq again on a new config: the container's first process restarts it when it ends
LOOP = ('trap "exit 0" TERM; while :; do dnsmasq --keep-in-foreground --conf-file=%s --pid-file=%s & wait $!; sleep 0.1; done'
        % (CONF, PIDFILE))
CHANGES = ('CreateHostedZone', 'DeleteHostedZone', 'ChangeResourceRecordSets')
NAME = re.compile(r'^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+$')
TYPES = {'NS': 2, 'CNAME': 5, 'MX': 15, 'TXT': 16, 'SRV': 33}
MIRROR_REFRESH = 300


def fqdn(name):
    return (name or '').lower().rstrip('.') + '.'


def resolver_address(cidr):
    """AmazonProvidedDNS's address in a VPC: its base address plus two."""
    return str(ipaddress.ip_network(cidr, strict=False).network_address + 2)


# -- Route 53's state, as its name servers answer it -----------------------------------------------
def public_view():
    """{zone name: [record]} of the public hosted zones in the emulator's Route 53 now (records as emulator.route53.current
    gives them); of two zones of one name, the first made (the one a registrar would delegate to, as emulator.acm reads)."""
    from emulator.route53 import current, zone_backend
    view = {}
    for zone in list(zone_backend().zones.values()):
        if zone.private_zone or fqdn(zone.name) in view:
            continue
        view[fqdn(zone.name)] = [current(r) for r in list(zone.rrsets)]
    return view


class Published:
    """Route 53's records as DNS sees them: the view taken at each change, seen once that change is INSYNC.

    A change's view holds every earlier change too, and every change takes the same time to be INSYNC, so what DNS
    answers is the newest view whose change is INSYNC."""

    def __init__(self):
        self.lock = threading.Lock()
        self.views = []  # [(submitted at, view)], oldest first

    def submit(self, at, view):
        with self.lock:
            self.views.append((at, view))

    def view(self, now, delay):
        with self.lock:
            seen = [i for i, (at, dummy) in enumerate(self.views) if at + delay <= now]
            if not seen:
                return {}
            del self.views[:seen[-1]]  # older views are never answered again
            return self.views[0][1]

    def clear(self):
        with self.lock:
            self.views = []


def zone_of(name, zones):
    """The zone that answers for ``name``: the longest of ``zones`` it is in, or None."""
    within = [z for z in zones if name == z or name.endswith('.' + z)]
    return max(within, key=len) if within else None


def records(view):
    """{(name, type): record} that DNS answers: each record in the zone that answers its name (a name below a zone of its
    own is that zone's; the parent's record of it is not answered)."""
    out = {}
    for zone, rrsets in view.items():
        for record in rrsets:
            if zone_of(record['Name'], view) == zone:
                key = (record['Name'], record['Type'])
                if key in out:  # weighted, latency ... records of one name: every value
                    out[key] = dict(out[key], Values=sorted(set(out[key]['Values']) | set(record['Values'])))
                else:
                    out[key] = record
    return out


def load_balancer_name(name):
    """The load balancer DNS name (lower case, trailing dot) that ``name`` (perhaps dualstack.) is, or None."""
    from emulator.route53 import ELB_NAME
    match = ELB_NAME.match(fqdn(name))
    return match.group(1) if match else None


def answers(view, load_balancers):
    """{name: {type: [values]}} the DNS server answers. ``load_balancers``: {DNS name: address on the VPC network}."""
    lbs = dict((fqdn(k), v) for k, v in load_balancers.items() if v)
    known = records(view)

    def alias(target, kind, depth=0):
        lb = load_balancer_name(target)
        if lb is not None:
            return [lbs[lb]] if kind == 'A' and lb in lbs else []
        record = known.get((fqdn(target), kind))
        if record is None or depth > 8:
            return []
        return alias(record['Alias'][0], kind, depth + 1) if record['Alias'] else list(record['Values'])

    out = {}
    for (name, kind), record in sorted(known.items()):
        values = alias(record['Alias'][0], kind) if record['Alias'] else list(record['Values'])
        if values:
            out.setdefault(name, {})[kind] = values
    for lb, address in sorted(lbs.items()):
        for name in (lb, 'dualstack.' + lb):
            out.setdefault(name, {}).setdefault('A', [address])
    return out


def names(view, load_balancers, host, depth=0):
    """What ``host`` is, for the emulator's proxy: the names and addresses it resolves to through Route 53 (CNAMEs
    followed, an alias to a load balancer as the load balancer's DNS name), from the state DNS answers; [] when it is
    no name of the emulator's DNS."""
    host = fqdn(host)
    lb = load_balancer_name(host)
    if lb is not None:
        return [lb.rstrip('.')]
    known = records(view)
    out = []
    for kind in ('A', 'AAAA', 'CNAME'):
        record = known.get((host, kind))
        if record is None:
            continue
        if record['Alias']:
            target = record['Alias'][0]
            out += names(view, load_balancers, target, depth + 1) if depth < 8 else []
        elif kind == 'CNAME':
            out += names(view, load_balancers, record['Values'][0], depth + 1) if depth < 8 and record['Values'] else []
        else:
            out += record['Values']
    return list(dict.fromkeys(out))


# -- dnsmasq's config -------------------------------------------------------------------------------
def wire_name(name):
    labels = [l for l in fqdn(name).split('.') if l]
    return b''.join(bytes([len(l)]) + l.encode('ascii') for l in labels) + b'\0'


def txt_strings(value):
    """The character-strings of a TXT value as Route 53 holds it ("v=spf1 -all", or several: "a" "b")."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', value)
    if not parts:
        parts = [value]
    out = []
    for part in parts:
        data = re.sub(r'\\(\d{3})', lambda m: chr(int(m.group(1), 8)), part)
        data = re.sub(r'\\(.)', r'\1', data).encode('latin-1', 'replace')
        out += [data[i:i + 255] for i in range(0, len(data), 255)] or [b'']
    return out


def rdata(kind, value):
    """The RDATA of a record (hex, as dnsmasq's dns-rr takes it), or None for one it is not made of."""
    fields = value.split()
    try:
        if kind in ('CNAME', 'NS'):
            data = wire_name(value)
        elif kind == 'TXT':
            data = b''.join(bytes([len(s)]) + s for s in txt_strings(value))
        elif kind == 'MX':
            data = int(fields[0]).to_bytes(2, 'big') + wire_name(fields[1])
        elif kind == 'SRV':
            data = b''.join(int(f).to_bytes(2, 'big') for f in fields[:3]) + wire_name(fields[3])
        else:
            return None
    except (ValueError, IndexError, OverflowError, UnicodeEncodeError):
        return None
    return data.hex()


def render(table, ttls=None, passthrough=None, port=53, endpoints=()):
    """dnsmasq.conf answering ``table`` ({name: {type: [values]}}, as :func:`answers` gives), the mirror's names
    (``passthrough``: {name: [addresses]}) and AWS's public endpoints (``endpoints``: [(name, address)], each name with the
    names below it: a bucket's virtual host); every other name NXDOMAIN, nothing ever forwarded."""
    ttls = ttls or {}
    out = ['# Written by the emulator (emulator/dns.py): the VPC resolver, answering from the emulator\'s Route 53.',
           '# No upstream: no-resolv and no server= line; every name not below is NXDOMAIN (address=/#/).',
           'no-resolv', 'no-hosts', 'no-poll', 'no-negcache', 'domain-needed', 'bogus-priv', 'port=%d' % port, 'user=root',
           'log-facility=-', 'cache-size=0', 'address=/#/', 'local-ttl=60', '']
    skipped = []
    for name in sorted(table):
        host = name.rstrip('.')
        if not NAME.match(name):
            skipped.append(name)
            continue
        for kind in sorted(table[name]):
            ttl = int(ttls.get((name, kind)) or 60)
            for value in table[name][kind]:
                if kind in ('A', 'AAAA'):
                    try:
                        address = ipaddress.ip_address(value)
                    except ValueError:
                        continue
                    if (address.version == 4) == (kind == 'A'):
                        out.append('host-record=%s,%s,%d' % (host, address, ttl))
                elif kind == 'CNAME' and set(table.get(fqdn(value), {})) & set(['A', 'AAAA']) and NAME.match(fqdn(value)):
                    # a target dnsmasq knows: it answers the CNAME to any query type, with the target's records
                    out.append('cname=%s,%s,%d' % (host, fqdn(value).rstrip('.'), ttl))
                elif rdata(kind, value) is not None:
                    out.append('dns-rr=%s,%d,%s' % (host, TYPES[kind], rdata(kind, value)))
    if passthrough:
        out += ['', '# The Debian mirror the images install from, as the host resolves it: the one name from outside.']
        for name, addresses in sorted(passthrough.items()):
            out += ['host-record=%s,%s' % (name, a) for a in addresses if NAME.match(fqdn(name))]
    if endpoints:
        out += ['', '# AWS\'s public endpoints (emulator.endpoints): an address of the internet, reached by the routes.']
        out += ['address=/%s/%s' % (name, address) for name, address in endpoints if NAME.match(fqdn(name))]
    if skipped:
        out += ['', '# not answered (a name dnsmasq cannot hold: wildcard or escaped characters): %s' % ', '.join(skipped)]
    return '\n'.join(out) + '\n'


def ttls_of(view):
    return dict(((r['Name'], r['Type']), r['TTL']) for r in records(view).values() if r['TTL'])


# -- the mirror ---------------------------------------------------------------------------------------
def mirror_hosts(environ=None, files=None):
    """The host name of the Debian mirror the images use: $DEBIAN_MIRROR, else the first of apt's sources that is not a
    -security one (scripts/images.sh's rule)."""
    environ = os.environ if environ is None else environ
    urls = [environ['DEBIAN_MIRROR']] if environ.get('DEBIAN_MIRROR') else []
    if files is None:
        folder = '/etc/apt/sources.list.d'
        files = sorted(os.path.join(folder, f) for f in (os.listdir(folder) if os.path.isdir(folder) else [])
                       if f.endswith('.sources')) + ['/etc/apt/sources.list']
    for path in files:
        try:
            with open(path) as f:
                text = f.read()
        except OSError:
            continue
        if path.endswith('.sources'):
            urls += re.findall(r'^URIs:\s*(\S+)', text, re.M)
        else:
            urls += re.findall(r'^deb\s+(?:\[[^]]*\]\s+)?(\S+)', text, re.M)
    urls = [u for u in urls if '-security' not in u]
    host = urlsplit(urls[0]).hostname if urls else None
    return [host] if host else []


def host_addresses(name):
    try:
        infos = socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        return []
    return sorted(set(i[4][0] for i in infos))


# -- the hook -------------------------------------------------------------------------------------------
class Dns(Hook):
    """The VPC resolvers (see the module's docstring)."""

    def __init__(self, dataplane, load_balancers=None, log=None, passthrough=None, clock=None, poll=True):
        self.dataplane = dataplane
        self.load_balancers = load_balancers
        self.log = log or (lambda msg: None)
        self.dir = os.path.join(dataplane.state_dir, 'dns')
        os.makedirs(self.dir, exist_ok=True)
        self.config = os.path.join(self.dir, 'dnsmasq.conf')
        self.lock = threading.RLock()
        self.published = Published()
        self.clock = clock
        self.servers = {}  # docker network -> {'container', 'address'}
        self.text = None
        self.mirror = list(mirror_hosts() if passthrough is None else passthrough)
        self.mirror_addresses = {}
        self.mirror_at = None
        self.no_image = False
        write_atomic(self.config, render({}))
        self.text = render({})
        dataplane.on_network.append(self.network_added)
        self.stopping = threading.Event()
        if poll:
            threading.Thread(target=self._poll, daemon=True).start()

    def now(self):
        return self.clock() if self.clock else (self.profile.now() if self.profile is not None else time.monotonic())

    def delay(self):
        return self.profile.seconds('route53', 'change', 'insync') if self.profile is not None else 0.0

    # -- API hooks ------------------------------------------------------------------
    def after(self, action, form, payload, region):
        if action in CHANGES:
            try:
                self.published.submit(self.now(), public_view())
            except Exception as exc:  # pylint: disable=broad-except
                self.log('dns: reading Route 53 after %s failed: %s' % (action, exc))
        return payload

    def reset(self):
        self.published.clear()
        with self.lock:
            self.servers = {}

    def state(self):
        with self.lock:
            return {'dns': {'config': self.config, 'servers': dict((k, dict(v)) for k, v in self.servers.items())}}

    # -- what is answered ---------------------------------------------------------------
    def view(self):
        return self.published.view(self.now(), self.delay())

    def lb_addresses(self):
        if self.load_balancers is None:
            return {}
        return dict((lb['dns'], lb.get('ip')) for lb in self.load_balancers.state()['load_balancers'] if lb.get('dns'))

    def names(self, host):
        """What the proxy should try for ``host`` (see :func:`names`)."""
        return names(self.view(), self.lb_addresses(), host)

    def passthrough(self):
        now = time.monotonic()
        if self.mirror and (self.mirror_at is None or now - self.mirror_at > MIRROR_REFRESH):
            self.mirror_at = now
            found = dict((name, host_addresses(name)) for name in self.mirror)
            self.mirror_addresses = dict((k, v) for k, v in found.items() if v) or self.mirror_addresses
        return self.mirror_addresses

    def step(self):
        """Write the config again if what it answers changed, and restart the servers on it."""
        view = self.view()
        from emulator.endpoints import ADDRESS
        text = render(answers(view, self.lb_addresses()), ttls_of(view), self.passthrough(),
                      endpoints=[(name, ADDRESS) for name in getattr(self.dataplane, 'endpoint_domains', ())])
        with self.lock:
            if text == self.text:
                return False
            write_atomic(self.config, text)
            self.text = text
            servers = list(self.servers.values())
        for server in servers:
            docker('exec', server['container'], 'sh', '-c', 'kill "$(cat %s)"' % PIDFILE, check=False, timeout=10)
        return True

    def _poll(self):
        while not self.stopping.wait(POLL):
            try:
                self.step()
            except Exception as exc:  # pylint: disable=broad-except
                self.log('dns: %s' % exc)

    # -- the servers ------------------------------------------------------------------------
    def network_added(self, vpc_id, network, cidr):
        """A DNS server on a new VPC network, at its base address plus two; the network's nameserver once it runs."""
        if self.no_image:
            return
        address = resolver_address(cidr)
        container = 'seed-dns-%s' % vpc_id
        docker('rm', '-f', container, check=False)
        self.passthrough()  # the mirror's addresses before the first instance asks
        self.step()
        try:
            docker('run', '-d', '--pull', 'never', '--name', container, '--network', network, '--ip', address, '--label', '%s=%s' % (LABEL, LABEL_VALUE),
                   '--label', 'seed.dns=%s' % vpc_id, '-v', '%s:/etc/seed-dns:ro' % self.dir, IMAGE, 'sh', '-c', LOOP)
        except RuntimeError as exc:
            if 'No such image' in str(exc) or 'Unable to find image' in str(exc) or 'pull access denied' in str(exc):
                self.no_image = True
                self.log('dns: no image %s (scripts/images.sh makes it): the instances keep Docker\'s resolver' % IMAGE)
            else:
                self.log('dns: the DNS server of %s did not start: %s' % (vpc_id, exc))
            docker('rm', '-f', container, check=False)
            return
        with self.lock:
            self.servers[network] = {'container': container, 'address': address, 'vpc_id': vpc_id}
        self.dataplane.nameservers[network] = address
        self.log('dns: %s answers for %s at %s (Route 53\'s records, nothing forwarded)' % (container, vpc_id, address))
