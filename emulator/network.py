"""The VPC's network as the stack's rules say: security groups, routes, the internet gateway and NAT gateways, enforced
on the data plane's packets by nftables on the host (one table of the emulator's own, ``inet seed_emulator``).

What AWS does, and what stands in for it here:

- **Security groups are packet filters outside the instance.** Every member of a group (an instance's container, a load
  balancer's HAProxy node, an RDS or Redis container) gets the rules of its groups: a new connection passes when an
  egress rule of the sender's groups allows it and an ingress rule of the receiver's groups allows it; everything else
  is dropped (AWS: "Security group rules",
  https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html). A rule that names a group allows that
  group's members' private addresses. Groups are stateful: the answers of an allowed connection pass whatever the rules
  say ("Security groups are stateful", https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html;
  ``ct state established,related``), and a connection already tracked outlives the rule that let it in
  ("Security group connection tracking",
  https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html). The filter is the host's
  (the containers' bridge, seen by the kernel's forward, output and input hooks with br_netfilter): root on an instance
  cannot change it, and no container gets a capability for it.
- **The instance metadata service is not filtered by groups either**: a member's TCP to 169.254.169.254:80 is sent
  (``services_nat``, a DNAT on the bridge the packet came in on) to emulator.imds's listener on the VPC router's address,
  one of the two connections into the host a container may open (the ``imds`` set, and only after that DNAT).
- **AWS's public endpoints (S3, STS) are on the internet**: their names resolve to one address of the internet
  (emulator.endpoints), which a member reaches by its routes as any other (the ``outside`` set); its TCP 443 is sent
  (``services_nat``) to emulator.endpoints' listener on the VPC router's address, and let in there only for a member whose
  routes reach that address, so a private subnet without its NAT gateway's route cannot reach S3, as on AWS. The
  member's egress rules are applied to it before the DNAT (``services_filter``), against the address it dialled.
- **The VPC's resolver is not filtered by groups** (AWS: security groups do not filter traffic to or from the Amazon
  DNS server, vpc-security-groups.html): the VPC's dnsmasq (emulator.dns, the base address plus two) answers port 53
  to every container of its VPC whatever the groups say.
- **No way out by itself.** A VPC's containers reach nothing outside their bridge but "the internet" this machine has,
  and only as AWS's routes allow: the Debian mirror of apt's sources (TCP 80 and 443 at the addresses the host resolves
  it to) and the containers the data plane attaches as hosts of the internet (the demo's git server). A member reaches
  them when the route its subnet's route table gives the destination (the longest prefix; the main table when the
  subnet has none of its own) leads to an internet gateway attached to the VPC and the member has a public address (an
  instance's public IP, an internet-facing load balancer's node), or leads to a NAT gateway that is ``available`` and
  whose own subnet routes the destination to an attached internet gateway
  (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html,
  https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html). Deleting the route, detaching the gateway or
  deleting the NAT gateway cuts it. Docker's masquerade on the host stays the wire; the filter decides what may use it.
- **The demo's machine is on the internet, at the VPC router's address.** What is published on 127.0.0.1 (an
  instance's 22 and 80, a load balancer's listeners) reaches the container through Docker's proxy, from the host's
  address on the bridge: the VPC's base address plus one, which the demo gives as its ``admin_cidr`` (10.20.0.1/32).
  Such a connection is let in only when the member is reachable from the internet (as above: a public address and a
  route to an attached internet gateway) and an ingress rule of its groups admits that address, as a packet from the
  admin's machine would be on AWS. The host opens no other connection into a VPC (the resolver's port 53 aside), and
  no container opens one to the host.

The ruleset is computed from moto's backends after every API call that may change it and by a poller (twice a second:
containers that start later, NAT gateways that become available), and applied atomically (``nft -f``: the table
flushed and defined again in one transaction) when its text changes.
"""

import ipaddress
import os
import re
import subprocess
import threading

from emulator.endpoints import ADDRESS as ENDPOINTS_ADDRESS, PORT as ENDPOINTS_PORT
from emulator.imds import ADDRESS as IMDS_ADDRESS
from emulator.server import Hook, ec2_backend

TABLE = 'seed_emulator'
NFT = os.environ.get('SEED_NFT', '/usr/sbin/nft')
POLL = 0.5
# Ports of the mirror (apt's http and https).
MIRROR_PORTS = (80, 443)
# Whatever the action, the hook recomputes after every successful mutating call of these services' actions; these also
# need a fidelity fix first (an instance's groups are its primary interface's).
GROUP_ACTIONS = ('ModifyInstanceAttribute', 'ModifyNetworkInterfaceAttribute')
PROTOCOLS = {'tcp': 'tcp', '6': 'tcp', 'udp': 'udp', '17': 'udp', 'icmp': 'icmp', '1': 'icmp', 'icmpv6': 'icmpv6',
             '58': 'icmpv6', '-1': 'all', 'all': 'all'}


class NetworkError(RuntimeError):
    """nft could not apply the ruleset."""


def ident(text):
    """A name nft takes unquoted for a chain or set: letters, digits and underscores."""
    return re.sub(r'[^A-Za-z0-9_]', '_', str(text))


# -- rules -> nft ---------------------------------------------------------------------------------------------------
def protocol_match(rule, family):
    """The nft expression of a rule's protocol and ports (AWS's IpProtocol, FromPort and ToPort), or None when the rule
    cannot match a packet of ``family`` ('ip' or 'ip6'). '' matches every packet of the family.

    AWS: tcp and udp take a port range (0-65535: all ports); icmp and icmpv6 take the type in FromPort and the code in
    ToPort (-1: any); -1 is every protocol and port; any other protocol number allows all of its traffic
    (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html)."""
    raw = str(rule.get('protocol', '-1')).lower()
    proto = PROTOCOLS.get(raw, raw)
    low, high = rule.get('from_port'), rule.get('to_port')
    if proto == 'all':
        return ''
    if proto in ('tcp', 'udp'):
        if low is None or high is None or (int(low) <= 0 and int(high) >= 65535) or int(low) == -1:
            return 'meta l4proto %s' % proto
        low, high = int(low), int(high)
        return '%s dport %s' % (proto, low if low == high else '%d-%d' % (low, high))
    if proto in ('icmp', 'icmpv6'):
        if (proto == 'icmp') != (family == 'ip'):
            return None
        name = 'icmp' if proto == 'icmp' else 'icmpv6'
        out = 'meta l4proto %s' % ('icmp' if proto == 'icmp' else 'ipv6-icmp')
        if low is not None and int(low) != -1:
            out = '%s type %d' % (name, int(low))
            if high is not None and int(high) != -1:
                out += ' %s code %d' % (name, int(high))
        return out
    if proto.isdigit():
        return 'meta l4proto %d' % int(proto)
    return None  # a protocol name nft would not take: never matches (stricter, never kinder)


def rule_lines(rule, direction, verdict):
    """The nft lines of one security group rule of ``direction`` ('ingress': the peer is the source, 'egress': the
    destination): a CIDR (IPv4 or IPv6), or another group (its members' addresses, the set ``@g_<group>``)."""
    side = 'saddr' if direction == 'ingress' else 'daddr'
    if rule.get('group'):
        family, peer = 'ip', '@g_%s' % ident(rule['group'])
    elif rule.get('cidr'):
        net = ipaddress.ip_network(rule['cidr'], strict=False)
        family, peer = ('ip' if net.version == 4 else 'ip6'), str(net)
    else:
        return []  # a prefix list: not served by the stand-in, so it allows nothing
    proto = protocol_match(rule, family)
    if proto is None:
        return []
    return ['%s %s %s %s%s' % (family, side, peer, (proto + ' ') if proto else '', verdict)]


def member_chains(member, groups):
    """The egress chain (``return`` when a rule of the member's groups allows the packet, else drop) and the ingress chain
    (``accept`` when a rule allows it, else drop) of one member."""
    name = ident(member['name'])
    out, inn = [], []
    for gid in member['groups']:
        group = groups.get(gid) or {}
        for rule in group.get('egress', ()):
            out += rule_lines(rule, 'egress', 'return')
        for rule in group.get('ingress', ()):
            inn += rule_lines(rule, 'ingress', 'accept')
    comment = ' '.join(member['groups']) or 'no group'
    return (['  chain out_%s {' % name, '    # %s %s: egress of %s' % (member['kind'], member['name'], comment)]
            + ['    ' + line for line in out] + ['    drop', '  }'],
            ['  chain in_%s {' % name, '    # %s %s: ingress of %s' % (member['kind'], member['name'], comment)]
            + ['    ' + line for line in inn] + ['    drop', '  }'])


def elements(values):
    values = sorted(set(values))
    return ' elements = { %s };' % ', '.join(values) if values else ''


def ruleset(model):
    """The nft script of the whole table for ``model`` (see :func:`read_model`): the table defined again from nothing in
    one transaction (``table``, ``delete table``, ``table {...}``: nft applies the file atomically)."""
    networks = model.get('networks', [])
    members = sorted(model.get('members', []), key=lambda m: (m['address'], m['name']))
    groups = model.get('groups', {})
    bridges = ['"%s"' % n['bridge'] for n in networks if n.get('bridge')]
    lines = ['table inet %s' % TABLE, 'delete table inet %s' % TABLE, 'table inet %s {' % TABLE,
             '  # Written by the emulator (emulator/network.py): the security groups and routes of the data plane\'s VPCs.',
             '  set bridges { type ifname;%s }' % elements(bridges),
             '  set resolvers { type ipv4_addr;%s }' % elements(n['dns'] for n in networks if n.get('dns')),
             '  set imds { type ipv4_addr . inet_service;%s }' % elements(
                 '%s . %d' % tuple(n['imds']) for n in networks if n.get('bridge') and n.get('imds')),
             '  set endpoints { type ipv4_addr . inet_service;%s }' % elements(
                 '%s . %d' % tuple(n['endpoints']) for n in networks if n.get('bridge') and n.get('endpoints'))]
    # every group any rule names, and every member's own: its members' addresses
    named = set()
    for group in groups.values():
        for rule in list(group.get('ingress', ())) + list(group.get('egress', ())):
            if rule.get('group'):
                named.add(rule['group'])
    for m in members:
        named.update(m['groups'])
    for gid in sorted(named):
        lines.append('  set g_%s { type ipv4_addr;%s }' % (ident(gid), elements(m['address'] for m in members if gid in m['groups'])))
    lines.append('  set from_internet { type ipv4_addr;%s }' % elements(m['address'] for m in members if m.get('from_internet')))
    lines.append('  set outside { type ipv4_addr . ipv4_addr;%s }' % elements(
        '%s . %s' % (m['address'], dest) for m in members for dest in m.get('outside', ())))
    lines.append('  set mirror { type ipv4_addr;%s }' % elements(model.get('mirror', ())))
    lines.append('  map egress { type ipv4_addr : verdict;%s }' % elements(
        '%s : jump out_%s' % (m['address'], ident(m['name'])) for m in members))
    lines.append('  map ingress { type ipv4_addr : verdict;%s }' % elements(
        '%s : jump in_%s' % (m['address'], ident(m['name'])) for m in members))
    for m in members:
        out, inn = member_chains(m, groups)
        lines += out + inn
    lines += [
        '  chain forward_filter {',
        '    type filter hook forward priority -5; policy accept;',
        '    iifname != @bridges oifname != @bridges accept',
        '    ct state established,related accept',
        '    ct state invalid drop',
        '    meta nfproto ipv6 drop',
        # AWS's resolver: not filtered by groups
        '    iifname @bridges oifname @bridges ip daddr @resolvers meta l4proto { tcp, udp } th dport 53 accept',
        # the sender's egress rules (a chain that returns when one allows the packet), then the receiver's ingress rules
        '    ip saddr vmap @egress',
        '    ip daddr vmap @ingress',
        # not a member: a host of the internet on the bridge (the git server), or the mirror beyond it, by the routes
        '    iifname @bridges oifname @bridges ip saddr . ip daddr @outside accept',
        '    iifname @bridges oifname != @bridges ip daddr @mirror ip saddr . ip daddr @outside tcp dport { %s } accept'
        % ', '.join(str(p) for p in MIRROR_PORTS),
        '    iifname @bridges drop',
        '    oifname @bridges drop',
        '  }',
        '  chain output_filter {',
        '    type filter hook output priority -5; policy accept;',
        '    oifname != @bridges accept',
        '    ct state established,related accept',
        '    ip daddr @resolvers meta l4proto { tcp, udp } th dport 53 accept',
        # the demo's machine is on the internet: a member reachable from there, and its ingress rules
        '    ip daddr @from_internet ip daddr vmap @ingress',
        '    drop',
        '  }',
        '  chain input_filter {',
        '    type filter hook input priority -5; policy accept;',
        '    iifname != @bridges accept',
        '    ct state established,related accept',
        # the instance metadata service, reached at 169.254.169.254:80 (services_nat) and only there
        '    ct status dnat ip daddr . tcp dport @imds accept',
        # AWS's public endpoints (emulator.endpoints): only for a member whose routes reach the internet's address
        '    ct status dnat ip saddr . ct original ip daddr @outside ip daddr . tcp dport @endpoints accept',
        '    drop',
        '  }',
        '  chain services_filter {',
        '    type filter hook prerouting priority -150; policy accept;',
        # the egress rules of the member, against the endpoint's address it dialled (the DNAT below changes it)
        '    iifname @bridges ip daddr %s ct state new ip saddr vmap @egress' % ENDPOINTS_ADDRESS,
        '  }',
        '  chain services_nat {',
        '    type nat hook prerouting priority dstnat; policy accept;']
    for n in networks:
        if n.get('bridge') and n.get('imds'):
            lines.append('    iifname "%s" ip daddr %s tcp dport 80 dnat ip to %s:%d' % ((n['bridge'], IMDS_ADDRESS) + tuple(n['imds'])))
        if n.get('bridge') and n.get('endpoints'):
            lines.append('    iifname "%s" ip daddr %s tcp dport %d dnat ip to %s:%d'
                         % ((n['bridge'], ENDPOINTS_ADDRESS, ENDPOINTS_PORT) + tuple(n['endpoints'])))
    lines += [
        '  }',
        '}']
    return '\n'.join(lines) + '\n'


def empty_ruleset():
    """The table with no VPC network: nothing filtered yet (the bridges set is empty)."""
    return ruleset({})


# -- routes ---------------------------------------------------------------------------------------------------------
def route_for(routes, destination=None):
    """The route a packet to ``destination`` takes: the longest prefix of ``routes`` ([{'cidr', 'target'}]) that holds it;
    ``destination`` None: an address of the internet that no narrower route names (the default route)."""
    best = None
    for route in routes:
        try:
            net = ipaddress.ip_network(route['cidr'], strict=False)
        except (KeyError, ValueError, TypeError):
            continue
        if net.version != 4:
            continue
        if destination is None:
            if net.prefixlen != 0:
                continue
        elif ipaddress.ip_address(destination) not in net:
            continue
        if best is None or net.prefixlen > best[0]:
            best = (net.prefixlen, route)
    return best[1] if best else None


def way_out(vpc, subnet, public, destination, net):
    """Whether a member of ``vpc`` in ``subnet`` (with a public address or not) reaches ``destination`` (an internet
    address; None: one the routes do not name) through the routes of ``net`` (see :func:`read_model`)."""
    route = route_for(net['routes'].get(subnet, []), destination)
    if route is None:
        return False
    target = route.get('target') or ''
    if target.startswith('igw-'):
        return public and net['igws'].get(target) == vpc
    if target.startswith('nat-'):
        nat = net['nats'].get(target)
        if not nat or nat['state'] != 'available' or nat['vpc'] != vpc:
            return False
        via = route_for(net['routes'].get(nat['subnet'], []), destination)
        return bool(via and (via.get('target') or '').startswith('igw-') and net['igws'].get(via['target']) == vpc)
    return False


def way_in(vpc, subnet, public, net):
    """Whether the internet reaches a member of ``vpc`` in ``subnet``: a public address, and the subnet's route to the
    internet is an internet gateway attached to the VPC (a NAT gateway only lets answers in)."""
    route = route_for(net['routes'].get(subnet, []), None)
    target = (route or {}).get('target') or ''
    return bool(public and target.startswith('igw-') and net['igws'].get(target) == vpc)


# -- moto's state -> the model ----------------------------------------------------------------------------------------
def group_rules(group):
    """{'ingress': [rule], 'egress': [rule]} of a moto SecurityGroup (each moto rule is one source: a CIDR or a group)."""
    out = {'ingress': [], 'egress': []}
    for direction, rules in (('ingress', group.ingress_rules), ('egress', group.egress_rules)):
        for r in list(rules):
            rule = {'protocol': r.ip_protocol or '-1', 'from_port': r.from_port, 'to_port': r.to_port}
            ip_range = getattr(r, 'ip_range', None) or {}
            source = getattr(r, 'source_group', None) or {}
            if source.get('GroupId'):
                rule['group'] = source['GroupId']
            elif ip_range.get('CidrIp') or ip_range.get('CidrIpv6'):
                rule['cidr'] = ip_range.get('CidrIp') or ip_range.get('CidrIpv6')
            else:
                continue
            out[direction].append(rule)
    return out


def routes_of(ec2):
    """{'routes': {subnet id: [{'cidr', 'target'}]}, 'igws': {igw id: attached VPC id}, 'nats': {nat id: {...}}}."""
    tables = list(ec2.route_tables.values())
    by_subnet, main = {}, {}
    for table in tables:
        routes = []
        for route in list(table.routes):
            target = None
            if getattr(route, 'gateway', None) is not None:
                target = route.gateway.id
            elif getattr(route, 'nat_gateway', None) is not None:
                target = route.nat_gateway.id
            elif getattr(route, 'local', False):
                target = 'local'
            if route.destination_cidr_block:
                routes.append({'cidr': route.destination_cidr_block, 'target': target})
        if table.main_association_id is not None:
            main[table.vpc_id] = routes
        for subnet_id in list(getattr(table, '_associations', {}).values()):
            by_subnet[subnet_id] = routes
    out = {}
    for subnet in all_subnets(ec2):
        out[subnet.id] = by_subnet.get(subnet.id, main.get(subnet.vpc_id, []))
    igws = dict((g.id, g.vpc.id if getattr(g, 'vpc', None) is not None else None) for g in list(ec2.internet_gateways.values()))
    nats = dict((n.id, {'state': n.state, 'subnet': n.subnet_id, 'vpc': n.vpc_id}) for n in list(ec2.nat_gateways.values()))
    return {'routes': out, 'igws': igws, 'nats': nats}


def all_subnets(ec2):
    out = []
    for zone_subnets in list(ec2.subnets.values()):
        out.extend(list(zone_subnets.values()))
    return out


class Reach:
    """What the routes of one region (``net``, as :func:`routes_of` gives it) let a member reach of the internet, and whether
    the internet reaches it."""

    def __init__(self, net, mirror, attached):
        self.net, self.mirror, self.attached = net, mirror, attached

    def outward(self, vpc, subnet, public):
        """The internet's addresses the member reaches: the mirror's (by their own routes), and the hosts of the internet
        attached to its VPC's network (by the route of the internet at large: their address on the bridge is no
        address of the internet)."""
        out = [a for a in self.mirror if way_out(vpc, subnet, public, a, self.net)]
        if way_out(vpc, subnet, public, None, self.net):
            out += list(self.attached.get(vpc, {}).values())
        return out

    def inward(self, vpc, subnet, public):
        return way_in(vpc, subnet, public, self.net)


def instance_groups(instance):
    """An instance's security groups: its primary network interface's, as on AWS (moto keeps a list on the instance too,
    which a launch with NetworkInterfaces leaves at the VPC's default group)."""
    primary = (getattr(instance, 'nics', None) or {}).get(0)
    groups = list(getattr(primary, '_group_set', None) or []) or list(instance.security_groups or [])
    return [g.id for g in groups if getattr(g, 'id', None)]


BRIDGE_NF = '/proc/sys/net/bridge/bridge-nf-call-iptables'


def bridge_netfilter(path=BRIDGE_NF, run=subprocess.run):
    """Make sure packets between two containers of one bridge pass the inet table's forward hook (br_netfilter, with
    bridge-nf-call-iptables on; dockerd turns it on, a bare host may not have it yet). Without it the filter would see
    none of the traffic inside a VPC and the demo would be kinder than AWS: refuse (NetworkError) rather than run so."""
    if not os.path.exists(path):
        run(['modprobe', 'br_netfilter'], capture_output=True, check=False, timeout=30)
    try:
        with open(path) as f:
            on = f.read().strip() == '1'
        if not on:
            with open(path, 'w') as f:
                f.write('1\n')
            with open(path) as f:
                on = f.read().strip() == '1'
    except OSError as exc:
        raise NetworkError('br_netfilter is not active (%s): packets between the containers of a VPC would pass no '
                           'filter; load it (modprobe br_netfilter) and set net.bridge.bridge-nf-call-iptables=1' % exc)
    if not on:
        raise NetworkError('net.bridge.bridge-nf-call-iptables is 0: packets between the containers of a VPC would pass no '
                           'filter; set it to 1 (sysctl -w net.bridge.bridge-nf-call-iptables=1)')


class Network(Hook):
    """The data plane's packet filter (see the module's docstring)."""

    def __init__(self, dataplane, load_balancers=None, datatier=None, log=None, apply=None, poll=True):
        self.dataplane = dataplane
        self.load_balancers = load_balancers
        self.datatier = datatier
        self.log = log or (lambda msg: None)
        self.lock = threading.RLock()
        self.regions = set()
        self.text = None
        self.apply_text = apply or self._nft
        self.mirror_addresses = ()
        self.failed = None
        if apply is None:
            bridge_netfilter()
        dataplane.on_network.append(lambda vpc_id, network, cidr: self.step())
        self.step(force=True)
        self.stopping = threading.Event()
        if poll:
            threading.Thread(target=self._poll, daemon=True).start()

    # -- API hooks --------------------------------------------------------------------------------------
    def after(self, action, form, payload, region):
        if action.startswith(('Describe', 'Get', 'List')):
            return payload
        self.regions.add(region)
        if action in GROUP_ACTIONS:
            self._sync_groups(action, form, region)
        try:
            self.step()
        except Exception as exc:  # pylint: disable=broad-except
            self.log('network: after %s: %s' % (action, exc))
        return payload

    def reset(self):
        with self.lock:
            self.regions = set()
        self.step()

    def state(self):
        with self.lock:
            return {'network': {'table': 'inet %s' % TABLE, 'applied': self.text is not None, 'error': self.failed}}

    @staticmethod
    def _sync_groups(action, form, region):
        """AWS: an instance's security groups are its primary network interface's; moto keeps two lists. The one the call
        changed is copied to the other."""
        ec2 = ec2_backend(region)
        groups = [v for k, v in sorted(form.items()) if re.match(r'^(GroupId|SecurityGroupId)\.\d+$', k)]
        if ec2 is None or not groups:
            return
        try:
            if action == 'ModifyInstanceAttribute':
                instance = ec2.get_instance(form.get('InstanceId'))
                for nic in list(getattr(instance, 'nics', {}).values()):
                    if getattr(nic, 'device_index', 0) == 0:
                        nic._group_set = list(instance.security_groups)  # pylint: disable=protected-access
            else:
                eni = ec2.get_network_interface(form.get('NetworkInterfaceId'))
                if eni.instance is not None and getattr(eni, 'device_index', 0) == 0:
                    eni.instance.security_groups = [ec2.get_security_group_from_id(g) for g in groups]
        except Exception:  # pylint: disable=broad-except  # moto refused the ids: nothing changed
            pass

    # -- the model -------------------------------------------------------------------------------------
    def mirror(self):
        from emulator.dns import host_addresses, mirror_hosts
        if not self.mirror_addresses:
            self.mirror_addresses = tuple(sorted(set(a for name in mirror_hosts() for a in host_addresses(name))))
        return self.mirror_addresses

    def read_model(self):
        """What the ruleset is made of, from moto's backends and the data plane's containers:
        networks [{vpc, bridge, cidr, dns, imds, endpoints}], groups {id: {ingress, egress}}, members [{name, kind, address, groups, vpc,
        from_internet, outside}], mirror [address]."""
        # No other hook's lock is taken (each dict is copied at once, which CPython does under the GIL): the data plane
        # calls step() holding its own lock when it makes a network, and the other hooks hold theirs while they make one.
        dp = self.dataplane
        nets = dict(dp.networks)
        bridges = dict(getattr(dp, 'bridges', {}))
        cidrs = dict(getattr(dp, 'cidrs', {}))
        attached = dict((k, dict(v)) for k, v in dict(getattr(dp, 'attached_addresses', {})).items())
        instances = [dict(e) for e in list(dict(dp.instances).values())]
        metadata = dict(getattr(dp, 'metadata', {}) or {})
        endpoints = dict(getattr(dp, 'endpoints', {}) or {})
        networks = []
        for vpc_id in sorted(nets):
            if vpc_id in bridges and vpc_id in cidrs:
                from emulator.dns import resolver_address
                networks.append({'vpc': vpc_id, 'bridge': bridges[vpc_id], 'cidr': cidrs[vpc_id], 'dns': resolver_address(cidrs[vpc_id]),
                                 'imds': metadata.get(vpc_id), 'endpoints': endpoints.get(vpc_id)})
        mirror = list(self.mirror())
        model = {'networks': networks, 'groups': {}, 'members': [], 'mirror': mirror}
        for region in sorted(self.regions):
            ec2 = ec2_backend(region)
            if ec2 is None:
                continue
            for group in list(ec2.describe_security_groups()):
                model['groups'][group.id] = group_rules(group)
            net = routes_of(ec2)
            defaults = {}
            for vpc_groups in list(ec2.groups.values()):
                for group in list(vpc_groups.values()):
                    if group.is_default and group.vpc_id:
                        defaults[group.vpc_id] = group.id

            reach = Reach(net, mirror + ([ENDPOINTS_ADDRESS] if endpoints else []), attached)
            wanted = dict((e['id'], e) for e in instances)
            for reservation in list(ec2.reservations.values()):
                for instance in list(reservation.instances):
                    if instance.id not in wanted or instance.state in ('terminated', 'shutting-down'):
                        continue
                    public = bool(instance.public_ip)
                    model['members'].append({
                        'name': instance.id, 'kind': 'instance', 'address': instance.private_ip, 'vpc': instance.vpc_id,
                        'groups': instance_groups(instance) or [defaults.get(instance.vpc_id)],
                        'from_internet': reach.inward(instance.vpc_id, instance.subnet_id, public),
                        'outside': reach.outward(instance.vpc_id, instance.subnet_id, public)})
            model['members'] += self._lb_members(region, defaults, reach)
            model['members'] += self._datatier_members(region, defaults)
        vpcs = set(n['vpc'] for n in networks)
        model['members'] = [m for m in model['members'] if m['vpc'] in vpcs and m.get('address') and all(m['groups'])]
        return model

    def _lb_members(self, region, defaults, reach):
        if self.load_balancers is None:
            return []
        from emulator.loadbalancer import elbv2_backend
        elbv2 = elbv2_backend(region)
        if elbv2 is None:
            return []
        served = dict((arn, dict(e)) for arn, e in dict(self.load_balancers.lbs).items() if e.get('region') == region)
        out = []
        for arn, entry in served.items():
            lb = elbv2.load_balancers.get(arn)
            if lb is None or not entry.get('ip'):
                continue
            subnets = sorted(list(lb.subnets), key=lambda s: (s.availability_zone, s.id))
            subnet = subnets[0].id if subnets else None
            public = getattr(lb, 'scheme', 'internet-facing') == 'internet-facing'
            # AWS: a load balancer made without security groups gets the VPC's default group
            groups = list(lb.security_groups or []) or [defaults.get(lb.vpc_id)]
            out.append({'name': 'alb_%s' % lb.name, 'kind': 'load balancer', 'address': entry['ip'], 'vpc': lb.vpc_id,
                        'groups': groups, 'from_internet': reach.inward(lb.vpc_id, subnet, public),
                        'outside': reach.outward(lb.vpc_id, subnet, public)})
        return out

    def _datatier_members(self, region, defaults):
        if self.datatier is None:
            return []
        from emulator.datatier import elasticache_backend, rds_backend
        rds, cache = rds_backend(region), elasticache_backend(region)
        servers = dict((k, dict(v)) for k, v in dict(self.datatier.servers).items())
        out = []
        for (kind, rid), entry in sorted(servers.items()):
            if not entry.get('ip'):
                continue
            if kind == 'rds':
                db = getattr(rds, 'databases', {}).get(rid)
                if db is None:
                    continue
                vpc = getattr(getattr(db, 'db_subnet_group', None), 'vpc_id', None)
                groups = list(db.vpc_security_group_ids or []) or [defaults.get(vpc)]
            else:
                group = getattr(cache, 'replication_groups', {}).get(rid)
                if group is None:
                    continue
                vpc = entry.get('vpc')
                groups = list(self._cache_groups(cache, group)) or [defaults.get(vpc)]
            # the data tier reaches nothing outside the VPC (stricter than AWS, which it never needs)
            out.append({'name': '%s_%s' % (kind, rid), 'kind': kind, 'address': entry['ip'], 'vpc': vpc,
                        'groups': groups, 'from_internet': False, 'outside': []})
        return out

    @staticmethod
    def _cache_groups(cache, group):
        """A replication group's security groups: its own, else its member clusters'."""
        own = list(getattr(group, 'security_group_ids', None) or [])
        if own:
            return own
        out = []
        for cluster in list(getattr(cache, 'cache_clusters', {}).values()):
            if getattr(cluster, 'replication_group_id', None) == group.replication_group_id:
                out += list(getattr(cluster, 'security_group_ids', None) or [])
        return sorted(set(out))

    # -- applying ---------------------------------------------------------------------------------------
    def step(self, force=False):
        """Compute the ruleset; apply it when its text changed. True when it was applied."""
        with self.lock:
            text = ruleset(self.read_model())
            if text == self.text and not force:
                return False
            try:
                self.apply_text(text)
            except NetworkError as exc:
                if self.failed != str(exc):
                    self.log('network: the ruleset was not applied: %s' % exc)
                self.failed = str(exc)
                raise
            self.failed = None
            self.text = text
            return True

    @staticmethod
    def _nft(text):
        proc = subprocess.run([NFT, '-f', '-'], input=text, capture_output=True, text=True, check=False, timeout=30)
        if proc.returncode != 0:
            raise NetworkError('nft -f: %s' % (proc.stderr or proc.stdout).strip()[-2000:])

    def _poll(self):
        while not self.stopping.wait(POLL):
            try:
                self.step()
            except Exception as exc:  # pylint: disable=broad-except
                if 'nft -f' not in str(exc):
                    self.log('network: poll: %s' % exc)

    def clean(self):
        """Remove the table (the emulator stops)."""
        self.stopping.set()
        with self.lock:
            subprocess.run([NFT, 'delete', 'table', 'inet', TABLE], capture_output=True, check=False, timeout=30)
            self.text = None
