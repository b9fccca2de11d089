"""ELBv2's data plane, on Docker: every Application Load Balancer the API makes is HAProxy (Debian's package).

CreateLoadBalancer, CreateListener, ...  -> one HAProxy container per load balancer (image seed/alb, made by
                 scripts/images.sh) on the VPC's Docker network, each listener port published on 127.0.0.1
                 (and reachable through the emulator's HTTP proxy under the load balancer's DNS name).
                 HTTP listeners forward to a target group or redirect (to HTTPS); HTTPS listeners terminate
                 TLS with the listener's certificate as ACM holds it (ImportCertificate).
CreateRule, ModifyRule, DeleteRule, SetRulePriorities -> the listener's rules, applied by priority before its
                 default action: host-header (case-insensitive) and path-pattern (case-sensitive) conditions
                 with their wildcards * and ?, a rule's conditions all to match and any value of each;
                 its redirect (as the default action's, below) or its forward to a target group.
                 A redirect does what AWS's redirect action does (its #{protocol}, #{host}, #{port}, #{path}
                 and #{query}). Asked on a port published on 127.0.0.1, it redirects to 127.0.0.1 too: a
                 redirect to one of the load balancer's listener ports (to 443, or #{port}) goes to the port
                 where that listener is published, as a browser on this machine must be sent; asked under
                 the DNS name (through the emulator's proxy), it names the listener's port as AWS does.
RegisterTargets -> the instance becomes a server of the target group's backend, at its private address,
                 with the target group's health check (path, port, matcher, interval, timeout, healthy
                 and unhealthy thresholds). It gets no request (weight 0; HAProxy still checks it) until
                 HAProxy has seen it pass `healthy_threshold` checks in a row: `initial`, then `healthy`,
                 as on AWS. HAProxy takes a healthy target that fails `unhealthy_threshold` checks out
                 of traffic itself: `unhealthy`, with the reason AWS gives; a target that never
                 passes is `unhealthy` too once its checks have failed for `unhealthy_threshold`
                 intervals since its registration, as AWS's would.
DeregisterTargets -> no new request goes to the target (weight 0; requests in flight finish): `draining`
                 for the target group's deregistration delay, then it is removed from HAProxy.
DescribeTargetHealth -> answered from that state: HAProxy's own checks, not moto's guess.
The registrations an Auto Scaling group makes inside moto (its instances once running, deregistered when
it terminates them) are served the same way: emulator.asg_dataplane syncs after them, and the group's ELB
health check reads this state (emulator.autoscaling).

The config is rewritten and HAProxy reloaded (master-worker, SIGUSR2: connections in flight finish on
the old worker) whenever the API changes what it serves. A new worker starts every server up; the
targets that are not healthy are set down at once, so their checks start again from zero.
Containers carry the data plane's label: stopping the emulator removes them.
"""

import errno
import ipaddress
import json
import os
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET

from emulator.dataplane import LABEL, LABEL_VALUE, docker, write_atomic
from emulator.server import Hook, ec2_backend

IMAGE = os.environ.get('SEED_ALB_IMAGE', 'seed/alb:bookworm')
POLL = 0.5
NS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/'
CHANGING = frozenset([
    'CreateLoadBalancer', 'DeleteLoadBalancer', 'CreateListener', 'ModifyListener', 'DeleteListener',
    'ModifyTargetGroup', 'ModifyTargetGroupAttributes', 'DeleteTargetGroup', 'RegisterTargets', 'DeregisterTargets',
    'TerminateInstances', 'StopInstances', 'ImportCertificate', 'AddListenerCertificates', 'SetSubnets',
    'CreateRule', 'ModifyRule', 'DeleteRule', 'SetRulePriorities'])
# HAProxy's check status -> AWS's reason for an unhealthy target
REASONS = {'L7STS': ('Target.ResponseCodeMismatch', 'Health checks failed with these codes: [%s]'),
           'L4TOUT': ('Target.Timeout', 'Request timed out'), 'L7TOUT': ('Target.Timeout', 'Request timed out'),
           'L4CON': ('Target.FailedHealthChecks', 'Health checks failed'),
           'L7RSP': ('Target.FailedHealthChecks', 'Health checks failed'),
           'SOCKERR': ('Target.FailedHealthChecks', 'Health checks failed')}


def elbv2_backend(region):
    try:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.elbv2.models import elbv2_backends
        return elbv2_backends[DEFAULT_ACCOUNT_ID][region]
    except Exception:  # pylint: disable=broad-except
        return None


def acm_certificate(region, arn):
    """(certificate PEM + chain, key PEM) of an ACM certificate, or None."""
    try:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.acm.models import acm_backends
        bundle = acm_backends[DEFAULT_ACCOUNT_ID][region].get_certificate(arn)
    except Exception:  # pylint: disable=broad-except
        return None

    def text(value):
        return value.decode() if isinstance(value, bytes) else (value or '')
    return text(bundle.cert).strip() + '\n', text(bundle.key).strip() + '\n'


def status_regex(matcher):
    """'200', '200,302' or '200-299' (AWS's HttpCode) as the regex of HAProxy's `http-check expect rstatus`."""
    codes = []
    for part in str(matcher or '200').split(','):
        low, dummy, high = part.strip().partition('-')
        codes.extend(str(c) for c in range(int(low), int(high or low) + 1))
    return '^(%s)$' % '|'.join(codes)


def unhealthy(server):
    """A target's state, reason and description (AWS's) from HAProxy's view of a server whose checks fail."""
    reason, text = REASONS.get(server['check'][:6].rstrip(), ('Target.FailedHealthChecks', 'Health checks failed'))
    return {'state': 'unhealthy', 'reason': reason, 'description': text % server['code'] if '%s' in text else text}


def safe(name):
    return re.sub(r'[^A-Za-z0-9_.-]', '_', name)


def host_ports(ports, previous=None):
    """{listener port: a free port on 127.0.0.1} to publish each listener on, chosen before the container starts
    (its config must know them): the one it had before when it is still free, never a listener port itself."""
    previous = previous or {}
    held, out = [], {}
    try:
        for port in ports:
            for want in (previous.get(port), 0, 0, 0):
                if want is None:
                    continue
                s = socket.socket()
                try:
                    s.bind(('127.0.0.1', want))
                except OSError as exc:
                    s.close()
                    if exc.errno != errno.EADDRINUSE:
                        raise
                    continue
                held.append(s)
                if s.getsockname()[1] not in ports:
                    out[port] = s.getsockname()[1]
                    break
            else:
                raise RuntimeError('no free port on 127.0.0.1 to publish listener %d on' % port)
    finally:
        for s in held:
            s.close()
    return out


def node_address(ec2, lb, held=()):
    """The address of the load balancer's node: in its first subnet (by zone), as AWS gives each node of an ALB an
    address of the subnet it serves (an Elastic Network Interface there), so the targets see requests come from the
    load balancer's subnets, which is what an app that trusts its proxies by their CIDRs is told
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#subnets-load-balancer).
    The highest address of the subnet that AWS does not reserve (the last one is) and that no instance or network
    interface holds, nor another load balancer's node (``held``); None when the subnet cannot be read (then Docker's own
    address, as before)."""
    try:
        subnets = sorted(lb.subnets, key=lambda sub: (sub.availability_zone, sub.id))  # moto's Subnet objects
        cidr = ipaddress.ip_network(subnets[0].cidr_block)
        taken = set(str(eni.private_ip_address) for eni in ec2.enis.values()) | set(held)
        taken.update(str(i.private_ip) for r in ec2.reservations.values() for i in r.instances)
    except Exception:  # pylint: disable=broad-except  # moto's model may differ: the node keeps Docker's address
        return None
    for offset in range(2, 64):  # broadcast - 1, - 2, ...
        address = str(cidr.broadcast_address - offset + 1)
        if address not in taken:
            return address
    return None


def quoted(text):
    """Literal text inside a double-quoted HAProxy log-format string."""
    return text.replace('\\', '\\\\').replace('"', '\\"').replace('$', '\\$').replace('%', '%%')


def expand(template, words):
    """A RedirectConfig component with AWS's reserved keywords replaced: ``words`` maps each keyword to
    log-format text; everything else is literal."""
    out = []
    for part in re.split(r'(#\{(?:protocol|host|port|path|query)\})', template):
        out.append(words[part] if part in words else quoted(part))
    return ''.join(out)


def haproxy_word(text):
    """``text`` as one word of HAProxy's configuration: in single quotes (everything literal), a single quote as '\\''."""
    return "'%s'" % text.replace("'", "'\\''")


def wildcard_regex(pattern):
    """A rule condition's value as a regex of the whole: AWS's wildcards * (0 or more characters) and ? (exactly one), every
    other character literal (in a class, never a backslash, which HAProxy's parser would read first)."""
    out = []
    for c in pattern:
        out.append('.*' if c == '*' else '.' if c == '?' else c if c.isalnum() or c in '/_-~"@:&\'' else '[%s]' % c)
    return '^%s$' % ''.join(out)


# AWS's rule conditions (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html):
# host-header matches the Host without its port, case-insensitive; path-pattern the path (not the query), case-sensitive.
CONDITION_FETCHES = {'host-header': ('req.hdr(host),regsub(:[0-9]+$,)', ['-i']), 'path-pattern': ('path', [])}
CONDITION_CONFIGS = {'host-header': 'HostHeaderConfig', 'path-pattern': 'PathPatternConfig'}


def rule_lines(priority, conditions):
    """HAProxy's lines that mark a request matched by a listener rule: its conditions (host-header, path-pattern) as ACLs
    (all of them to match; any value of each), and txn.seed_rule set to its priority when no rule of a lower priority
    matched first (AWS evaluates the rules in priority order; the first that matches acts). A rule with a condition the
    stand-in does not serve (http-header, query-string, ...) never matches: it is left out, and logged by the caller."""
    out, names = [], []
    for n, condition in enumerate(conditions):
        field = condition.get('Field')
        if field not in CONDITION_FETCHES:
            return None
        values = (condition.get(CONDITION_CONFIGS[field]) or {}).get('Values') or condition.get('Values') or []
        fetch, flags = CONDITION_FETCHES[field]
        name = 'seed_rule_%d_%d' % (priority, n)
        patterns = ' '.join(haproxy_word(wildcard_regex(v)) for v in values)
        out.append('  acl %s %s %s %s' % (name, fetch, ' '.join(flags + ['-m', 'reg']), patterns))
        names.append(name)
    out.append('  http-request set-var(txn.seed_rule) int(%d) if !{ var(txn.seed_rule) -m found } %s' % (priority, ' '.join(names)))
    return out


def conditional(lines, when):
    """``lines`` (a redirect's or a fixed response's http-request rules) each done only when ``when`` (an ACL condition)
    holds too; ``when`` empty: as they are."""
    if not when:
        return list(lines)
    out = []
    for line in lines:
        redirect = re.search(r' code \d+( if .*)?$', line) if line.startswith('  http-request redirect ') else None
        if redirect:
            line += (' %s' % when) if redirect.group(1) else (' if %s' % when)
        elif line.startswith('  http-request return '):
            line += ' if %s' % when
        out.append(line)
    return out


def redirect_lines(port, protocol, config, published, dns):
    """HAProxy's lines for a listener's redirect action, as AWS's redirect action documents it:
    https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html#redirect-actions
    A URI is protocol://hostname:port/path?query; each component may be kept (the defaults: #{protocol},
    #{host}, #{port}, /#{path}, #{query}) or changed, reusing #{protocol}, #{host}, #{port}, #{path} (without
    its leading "/") and #{query}; the "?" is added before a query that is not empty.

    ``published`` maps the load balancer's listener ports to their ports on 127.0.0.1. A request whose Host
    names the port where this listener is published came to 127.0.0.1, not to the DNS name: a redirect to
    the same host (#{host}) and to a listener port of this load balancer goes to where that listener is
    published (to 443 -> 127.0.0.1:<443's published port>), and #{port} is the port the client used."""
    scheme_t = str(config.get('Protocol') or '#{protocol}')
    host_t = str(config.get('Host') or '#{host}')
    port_t = str(config.get('Port') or '#{port}')
    path_t = str(config.get('Path') or '/#{path}')
    query_t = str(config.get('Query') if config.get('Query') is not None else '#{query}')
    code = str(config.get('StatusCode', 'HTTP_301')).replace('HTTP_', '')
    scheme = (protocol if scheme_t == '#{protocol}' else scheme_t).lower()
    target = port if port_t == '#{port}' else int(port_t)

    # #{port}: the port the client used, the listener's under the DNS name, the published one on 127.0.0.1
    words = {'#{protocol}': protocol.lower(), '#{host}': '%[var(txn.seed_host)]', '#{port}': '%[var(txn.seed_client_port)]',
             '#{path}': '%[path,regsub(^/,)]', '#{query}': '%[query]'}
    here = published.get(port)
    out = ['  http-request set-var(txn.seed_host) req.hdr(host),regsub(:[0-9]+$,) if { req.hdr(host) -m found }',
           '  http-request set-var(txn.seed_host) str(%s) unless { req.hdr(host) -m found }' % dns,
           '  http-request set-var(txn.seed_port) req.hdr(host),regsub(^.*:,) if { req.hdr(host) -m reg :[0-9]+$ }',
           '  http-request set-var(txn.seed_client_port) str(%d)' % port]
    if here:
        out.append('  http-request set-var(txn.seed_client_port) str(%d) if { var(txn.seed_port) -m str %d }' % (here, here))
    if query_t:
        out += ['  http-request set-var-fmt(txn.seed_query) "%s"' % expand(query_t, words),
                '  http-request set-var-fmt(txn.seed_query) "?%[var(txn.seed_query)]" if { var(txn.seed_query) -m reg . }']
    if here and target in published and host_t == '#{host}':
        out.append('  http-request redirect location "%s://%s:%d%s%%[var(txn.seed_query)]" code %s if { var(txn.seed_port) -m str %d }'
                   % (scheme, expand(host_t, words), published[target], expand(path_t, words), code, here))
    default = (scheme, target) in (('http', 80), ('https', 443))
    out.append('  http-request redirect location "%s://%s%s%s%%[var(txn.seed_query)]" code %s'
               % (scheme, expand(host_t, words), '' if default else ':%d' % target, expand(path_t, words), code))
    return out


class LoadBalancers(Hook):
    """HAProxy for the emulator's Application Load Balancers (see the module's docstring)."""

    def __init__(self, dataplane, log=None, clock=time.monotonic):
        self.dataplane = dataplane
        self.dir = os.path.join(dataplane.state_dir, 'alb')
        os.makedirs(self.dir, exist_ok=True)
        self.log = log or (lambda msg: None)
        self.clock = clock
        self.lock = threading.RLock()
        self.lbs = {}       # lb arn -> {'name', 'container', 'ports' {listener port: host port}, 'ip', 'dns', 'listeners', 'region'}
        # target group arn -> {target id: {'state', 'reason', 'description', 'ip', 'port', 'until'}}
        self.targets = {}
        self.groups = {}    # target group arn -> {'name', 'delay', 'rise', 'fall', 'matcher', 'port', 'hc_port'}
        self.stopping = threading.Event()
        self.poller = threading.Thread(target=self._poll, daemon=True)
        self.poller.start()

    # -- API hooks -------------------------------------------------------------
    def after(self, action, form, payload, region):
        if action in CHANGING:
            try:
                self.sync(region)
            except Exception as exc:  # pylint: disable=broad-except
                self.log('alb: sync after %s failed: %s' % (action, exc))
        elif action == 'DescribeTargetHealth':
            return self.health_answer(form, payload)
        return payload

    def reset(self):
        self.clean()

    def clean(self):
        with self.lock:
            for lb in self.lbs.values():
                docker('rm', '-f', lb['container'], check=False)
            self.lbs, self.targets, self.groups = {}, {}, {}
            self.write_state()

    def state(self):
        with self.lock:
            return {'load_balancers': [dict((k, v) for k, v in lb.items() if k != 'listeners') for lb in self.lbs.values()],
                    'targets': dict((arn, dict(t)) for arn, t in self.targets.items())}

    # -- what the API says should be served ------------------------------------------
    def sync(self, region):
        elbv2 = elbv2_backend(region)
        ec2 = ec2_backend(region)
        if elbv2 is None or ec2 is None:
            return
        with self.lock:
            now = self.clock()
            for arn, tg in elbv2.target_groups.items():
                attrs = tg.attributes
                self.groups[arn] = {
                    'name': tg.name, 'delay': int(attrs.get('deregistration_delay.timeout_seconds', 300)),
                    'rise': int(tg.healthy_threshold_count), 'fall': int(tg.unhealthy_threshold_count),
                    'interval': int(tg.health_check_interval_seconds), 'timeout': int(tg.health_check_timeout_seconds),
                    'path': tg.health_check_path or '/', 'matcher': (getattr(tg, 'matcher', None) or {}).get('HttpCode', '200'),
                    'port': int(tg.port or 80), 'hc_port': tg.health_check_port,
                    'sticky': str(attrs.get('stickiness.enabled', 'false')).lower() == 'true',
                    'sticky_seconds': int(attrs.get('stickiness.lb_cookie.duration_seconds', 86400)),
                }
                have = self.targets.setdefault(arn, {})
                for tid, target in tg.targets.items():
                    instance = ec2.get_instance_by_id(tid) if tid.startswith('i-') else None
                    ip = instance.private_ip if instance is not None else tid
                    port = int(target.get('Port') or tg.port or 80)
                    entry = have.get(tid)
                    if entry is None or entry['state'] == 'draining' or (entry['ip'], entry['port']) != (ip, port):
                        have[tid] = {'state': 'initial', 'reason': 'Elb.RegistrationInProgress',
                                     'description': 'Target registration is in progress', 'ip': ip, 'port': port, 'until': None,
                                     'since': now}
                for tid, entry in list(have.items()):
                    if tid not in tg.targets and entry['state'] != 'draining':
                        delay = self.groups[arn]['delay']
                        entry.update(state='draining', reason='Target.DeregistrationInProgress',
                                     description='Target deregistration is in progress', until=now + delay)
                        # no new request from now on (those in flight finish); the reload below keeps it so
                        for lb_entry in self.lbs.values():
                            try:
                                self._command(lb_entry, 'set server tg_%s/%s weight 0' % (safe(tg.name), safe(tid)))
                            except OSError:
                                pass
            for arn in list(self.targets):
                if arn not in elbv2.target_groups:
                    self.targets.pop(arn)
                    self.groups.pop(arn, None)
            for arn in list(self.lbs):
                if arn not in elbv2.load_balancers:
                    self._remove(arn)
            for arn, lb in elbv2.load_balancers.items():
                if getattr(lb, 'type', 'application') != 'application':
                    continue
                self._serve(region, ec2, arn, lb)
            self.write_state()

    def _serve(self, region, ec2, arn, lb):
        listeners = sorted(((int(l.port), l) for l in lb.listeners.values()), key=lambda pl: pl[0])
        name = safe(lb.name)
        folder = os.path.join(self.dir, name)
        os.makedirs(os.path.join(folder, 'certs'), exist_ok=True)
        ports = [p for p, dummy in listeners]
        entry = self.lbs.get(arn)
        if entry is not None and entry['listeners'] == ports:
            config = self._config(region, lb, listeners, folder, entry['published'])
            if entry.get('config') == config:
                return
            old_worker = self._worker(entry)
            write_atomic(os.path.join(folder, 'haproxy.cfg'), config)
            docker('kill', '-s', 'USR2', entry['container'], check=False)
            entry['config'] = config
            self._wait_ready(entry, old_worker)
            return
        container = 'seed-alb-%s' % name
        docker('rm', '-f', container, check=False)
        network = self.dataplane.network_for(ec2, lb.vpc_id)
        # The ports on 127.0.0.1 are chosen here, not by Docker: the config's redirects must know them. Another
        # program may take one between the choice and `docker run`: then other ones are chosen.
        for attempt in range(3):
            published = host_ports(ports, (entry or {}).get('published') if attempt == 0 else None)
            config = self._config(region, lb, listeners, folder, published)
            write_atomic(os.path.join(folder, 'haproxy.cfg'), config)
            args = ['run', '-d', '--name', container, '--network', network, '--label', '%s=%s' % (LABEL, LABEL_VALUE),
                    '--label', 'seed.load-balancer=%s' % lb.name, '-v', '%s:/etc/seed-alb' % folder]
            address = node_address(ec2, lb, held=[e['ip'] for a, e in self.lbs.items() if a != arn])
            # Docker takes an address only on a network of its user's (the data plane's VPC networks, whose subnet is
            # the VPC's CIDR); on its predefined ones (the tests' bridge) the node keeps Docker's address.
            if address and network not in ('bridge', 'host', 'none'):
                args += ['--ip', address]
            for port in ports:
                args += ['-p', '127.0.0.1:%d:%d' % (published[port], port)]
            try:
                docker(*(args + [IMAGE, 'haproxy', '-W', '-db', '-f', '/etc/seed-alb/haproxy.cfg']))
                break
            except RuntimeError as exc:
                docker('rm', '-f', container, check=False)
                if attempt == 2 or 'already allocated' not in str(exc) and 'address already in use' not in str(exc):
                    raise
        ip = docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', container)
        for port in ports:
            out = docker('port', container, '%d/tcp' % port, check=False).splitlines()
            if out and int(out[0].rsplit(':', 1)[1]) != published[port]:
                self.log('alb: %s: listener %d published on %s, not %d' % (lb.name, port, out[0], published[port]))
        self.lbs[arn] = entry = {'name': lb.name, 'dns': lb.dns_name, 'container': container, 'ip': ip, 'region': region,
                                 'listeners': ports, 'published': published, 'folder': folder, 'config': config}
        self._wait_ready(entry)
        self.log('alb: %s (%s) served by %s at %s, ports %s' % (lb.name, lb.dns_name, container, ip, published))

    def _remove(self, arn):
        entry = self.lbs.pop(arn)
        docker('rm', '-f', entry['container'], check=False)
        self.log('alb: %s deleted, container removed' % entry['name'])

    def _config(self, region, lb, listeners, folder, published):
        out = ['# Written by the emulator for load balancer %s (%s)' % (lb.name, lb.dns_name),
               'global', '  stats socket /etc/seed-alb/admin.sock mode 600 level admin', '  log stdout format raw local0',
               'defaults', '  mode http', '  log global', '  option httplog',
               '  timeout connect 5s', '  timeout client %ds' % int((getattr(lb, 'attrs', None) or {}).get('idle_timeout.timeout_seconds', 60)),
               '  timeout server 60s', '  timeout http-request 10s', '  option forwardfor', '']
        used = []
        for port, listener in listeners:
            bind = '  bind :%d' % port
            proto = 'http'
            if listener.protocol == 'HTTPS':
                pem = os.path.join(folder, 'certs', '%d.pem' % port)
                cert = acm_certificate(region, listener.certificate) if listener.certificate else None
                if cert is None:
                    self.log('alb: %s:%d: certificate %s not in ACM; the listener is left out' % (lb.name, port, listener.certificate))
                    continue
                write_atomic(pem, cert[0] + cert[1], mode=0o600)
                bind += ' ssl crt /etc/seed-alb/certs/%d.pem' % port
                proto = 'https'
            out += ['frontend listener_%d' % port, bind, '  http-request set-header X-Forwarded-Proto %s' % proto,
                    '  http-request set-header X-Forwarded-Port %d' % port]
            served = self._rules(lb, port, listener, published, out, used)
            action = (listener.default_actions or [None])[0]
            out += conditional(self._action_lines(lb, port, listener, action, published, used, default=True),
                               '!{ var(txn.seed_rule) -m found }' if served else '')
            out.append('')
        for tg_arn in sorted(set(used)):
            g = self.groups[tg_arn]
            out += ['backend tg_%s' % safe(g['name']), '  balance roundrobin', '  option httpchk',
                    '  http-check send meth GET uri %s' % g['path'], '  http-check expect rstatus %s' % status_regex(g['matcher']),
                    '  timeout check %ds' % g['timeout'], '  default-server inter %ds rise %d fall %d' % (g['interval'], g['rise'], g['fall']),
                    # AWS's check times out after the target group's HealthCheckTimeoutSeconds, its connection too: HAProxy's
                    # check connects within min(timeout connect, inter), so a target whose group drops the load balancer's
                    # packets fails each check in that time, not in the defaults' 5 s
                    '  timeout connect %ds' % min(5, g['timeout'])]
            if g['sticky']:
                out.append('  cookie AWSALB insert indirect nocache maxlife %ds' % g['sticky_seconds'])
            for tid, t in sorted(self.targets.get(tg_arn, {}).items()):
                line = '  server %s %s:%d check' % (safe(tid), t['ip'], t['port'])
                if g['hc_port'] and str(g['hc_port']).isdigit() and int(g['hc_port']) != t['port']:
                    line += ' port %s' % g['hc_port']
                if g['sticky']:
                    line += ' cookie %s' % safe(tid)
                # weight 0: no new request (initial until it passes its checks, draining), checks still run
                line += ' weight %d' % (0 if t['state'] in ('initial', 'draining') else 1)
                out.append(line)
            out.append('')
        return '\n'.join(out) + '\n'

    def _action_lines(self, lb, port, listener, action, published, used, default=False, when=''):
        """The lines of a listener's default action, or (``when``: the condition that the rule matched) of a rule's."""
        kind = getattr(action, 'type', None)
        data = getattr(action, 'data', {}) or {}
        if kind == 'forward':
            tg_arn = data.get('TargetGroupArn') or ((data.get('ForwardConfig') or {}).get('TargetGroups') or [{}])[0].get('TargetGroupArn')
            if tg_arn not in self.groups:
                return []
            used.append(tg_arn)
            backend = 'tg_%s' % safe(self.groups[tg_arn]['name'])
            return ['  default_backend %s' % backend] if default else ['  use_backend %s if %s' % (backend, when)]
        if kind == 'redirect':
            return redirect_lines(port, listener.protocol, data.get('RedirectConfig') or {}, published, lb.dns_name)
        if kind == 'fixed-response':
            cfg = data.get('FixedResponseConfig') or {}
            return ['  http-request return status %s content-type "%s" string "%s"' % (
                cfg.get('StatusCode', '503'), cfg.get('ContentType', 'text/plain'), str(cfg.get('MessageBody', '')).replace('"', "'"))]
        return []

    def _rules(self, lb, port, listener, published, out, used):
        """The listener's rules (all but its default rule), by priority, into ``out``: whether any is served."""
        rules = [r for r in (getattr(listener, 'rules', None) or {}).values() if not getattr(r, 'is_default', False)]
        served = False
        for rule in sorted(rules, key=lambda r: int(r.priority)):
            marks = rule_lines(int(rule.priority), rule.conditions or [])
            action = (sorted(rule.actions or [], key=lambda a: int((getattr(a, 'data', {}) or {}).get('Order') or 0)) or [None])[-1]
            when = '{ var(txn.seed_rule) -m int %d }' % int(rule.priority)
            lines = marks and self._action_lines(lb, port, listener, action, published, used, when=when)
            if not lines:
                self.log('alb: %s:%d: rule %s is not served (a condition or action the stand-in does not serve)' % (lb.name, port, rule.priority))
                continue
            out += marks + conditional(lines, when)
            served = True
        return served

    # -- HAProxy's runtime API ------------------------------------------------------------
    @staticmethod
    def _command(entry, command, timeout=5):
        path = os.path.join(entry['folder'], 'admin.sock')
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(path)
            s.sendall((command + '\n').encode())
            chunks = []
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        return b''.join(chunks).decode('utf-8', 'replace')

    def _worker(self, entry):
        """The pid of the HAProxy worker that answers on the socket, or None."""
        try:
            found = re.search(r'^Pid: (\d+)', self._command(entry, 'show info'), re.M)
        except OSError:
            return None
        return found and found.group(1)

    def _wait_ready(self, entry, old_worker=None, timeout=20):
        """Until a new worker (not ``old_worker``) answers on its socket with the config just written."""
        deadline = time.monotonic() + timeout
        want = entry.get('config', '')
        names = set(re.findall(r'^  server (\S+)', want, re.M))
        while time.monotonic() < deadline:
            try:
                worker = self._worker(entry)
                out = self._command(entry, 'show servers state')
                have = set(line.split()[3] for line in out.splitlines()[2:] if len(line.split()) > 3)
                if have == names and worker and worker != old_worker:
                    self._restore(entry)
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.log('alb: %s: HAProxy not ready after %d s: %s' % (entry['name'], timeout, docker('logs', '--tail', '20', entry['container'], check=False)))

    def _restore(self, entry):
        """A new worker starts every server UP. A target that has not passed its checks yet (initial) or
        failed them (unhealthy) starts DOWN instead, so that only `healthy_threshold` checks in a row
        passed from now on bring it up."""
        for tg_arn, targets in self.targets.items():
            g = self.groups.get(tg_arn)
            for tid, t in targets.items():
                if g and t['state'] in ('initial', 'unhealthy'):
                    try:
                        self._command(entry, 'set server tg_%s/%s health down' % (safe(g['name']), safe(tid)))
                    except OSError:
                        pass

    def _servers(self, entry):
        """{(backend, server): (operational state, check health, check status, check code)} from `show stat`."""
        out = {}
        try:
            text = self._command(entry, 'show stat')
        except OSError:
            return out
        lines = text.splitlines()
        if not lines or not lines[0].startswith('# '):
            return out
        head = lines[0][2:].split(',')
        col = dict((name, i) for i, name in enumerate(head))
        for line in lines[1:]:
            f = line.split(',')
            if len(f) < len(head) or f[col['svname']] in ('FRONTEND', 'BACKEND'):
                continue
            out[(f[col['pxname']], f[col['svname']])] = {
                'status': f[col['status']], 'check': f[col['check_status']].lstrip('* '), 'code': f[col['check_code']],
                'rise': int(f[col['check_rise']] or 0), 'health': int(f[col['check_health']] or 0)}
        return out

    def _poll(self):
        while not self.stopping.wait(POLL):
            try:
                self.step()
            except Exception as exc:  # pylint: disable=broad-except
                self.log('alb: poll: %s' % exc)

    def step(self):
        """One look at HAProxy's checks: initial -> healthy, healthy <-> unhealthy, draining -> gone."""
        with self.lock:
            now = self.clock()
            changed_regions = set()
            for entry in list(self.lbs.values()):
                servers = self._servers(entry)
                for tg_arn, targets in self.targets.items():
                    g = self.groups.get(tg_arn)
                    if g is None:
                        continue
                    backend = 'tg_%s' % safe(g['name'])
                    for tid, t in list(targets.items()):
                        s = servers.get((backend, safe(tid)))
                        if t['state'] == 'draining':
                            if now >= t['until']:
                                targets.pop(tid)
                                changed_regions.add(entry['region'])
                            continue
                        if s is None:
                            continue
                        passing = s['status'].startswith('UP') and s['check'].startswith(('L7OK', 'L6OK', 'L4OK'))
                        failing = s['status'].startswith('DOWN') and bool(s['check']) and not s['check'].startswith(
                            ('L7OK', 'L6OK', 'L4OK', 'INI', 'UNK'))
                        if t['state'] == 'initial' and passing:
                            self._command(entry, 'set server %s/%s weight 1' % (backend, safe(tid)))
                            t.update(state='healthy', reason=None, description=None)
                        elif t['state'] == 'healthy' and s['status'].startswith('DOWN'):
                            t.update(unhealthy(s))
                        elif (t['state'] == 'initial' and failing
                              and now >= (t.get('since') if t.get('since') is not None else now) + g['interval'] * g['fall']):
                            # a target that never passes: AWS takes it out of service after UnhealthyThresholdCount
                            # consecutive failures ("If the health checks exceed UnhealthyThresholdCount consecutive
                            # failures, the load balancer takes the target out of service",
                            # https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html),
                            # from initial as from healthy; HAProxy keeps a server that never came up DOWN, whose last
                            # check failed, for that many intervals since its registration
                            t.update(unhealthy(s))
                        elif t['state'] == 'unhealthy' and s['status'].startswith('UP'):
                            # weight 1 again: a target unhealthy since its registration never had it
                            self._command(entry, 'set server %s/%s weight 1' % (backend, safe(tid)))
                            t.update(state='healthy', reason=None, description=None)
            for region in changed_regions:
                self.sync(region)

    # -- answers --------------------------------------------------------------------------
    def health_answer(self, form, payload):
        arn = form.get('TargetGroupArn')
        with self.lock:
            targets = dict(self.targets.get(arn, {}))
            group = self.groups.get(arn, {})
        if not targets:
            return payload
        ET.register_namespace('', NS)
        try:
            root = ET.fromstring(payload)
        except ET.ParseError:
            return payload
        descs = root.find('.//{%s}TargetHealthDescriptions' % NS)
        if descs is None:
            return payload
        asked = set(v for k, v in form.items() if re.match(r'^Targets\.member\.\d+\.Id$', k))
        seen = set()
        for member in list(descs):
            tid = member.findtext('{%s}Target/{%s}Id' % (NS, NS))
            t = targets.get(tid)
            if t is None:
                continue
            seen.add(tid)
            self._health_xml(member, t)
        for tid, t in sorted(targets.items()):
            if tid in seen or (asked and tid not in asked) or t['state'] != 'draining':
                continue
            member = ET.SubElement(descs, '{%s}member' % NS)
            target = ET.SubElement(member, '{%s}Target' % NS)
            ET.SubElement(target, '{%s}Id' % NS).text = tid
            ET.SubElement(target, '{%s}Port' % NS).text = str(t['port'])
            ET.SubElement(member, '{%s}HealthCheckPort' % NS).text = str(group.get('hc_port') or t['port'])
            self._health_xml(member, t)
        return ET.tostring(root, encoding='utf-8', xml_declaration=False)

    @staticmethod
    def _health_xml(member, t):
        health = member.find('{%s}TargetHealth' % NS)
        if health is None:
            health = ET.SubElement(member, '{%s}TargetHealth' % NS)
        for child in list(health):
            health.remove(child)
        ET.SubElement(health, '{%s}State' % NS).text = t['state']
        if t.get('reason'):
            ET.SubElement(health, '{%s}Reason' % NS).text = t['reason']
            ET.SubElement(health, '{%s}Description' % NS).text = t['description']

    # -- what the proxy and the demo see ---------------------------------------------------
    def public_target(self, host, port):
        """(container address, port) behind a load balancer's DNS name and listener port, or None."""
        with self.lock:
            for entry in self.lbs.values():
                if entry['dns'] and entry['dns'].lower() == str(host).lower() and int(port) in entry['listeners']:
                    return entry['ip'], int(port)
        return None

    def write_state(self):
        write_atomic(os.path.join(self.dataplane.state_dir, 'load_balancers.json'), json.dumps(dict(
            (e['dns'], {'name': e['name'], 'container': e['container'], 'ports': dict((str(k), v) for k, v in e['published'].items())})
            for e in self.lbs.values()), indent=1, sort_keys=True))
