"""EC2's data plane, on Docker: every instance the API launches is a systemd container.

RunInstances  -> one container per instance, from the local image its AMI maps to (emulator.amis),
                 on a Docker network per VPC whose subnet is the VPC's CIDR, at the private address
                 the API gave the instance, so instances reach each other at the addresses AWS would
                 report. The instance's metadata (login user, the key pair's public key, user data,
                 hostname, the cloud's root CA of emulator.ca) is mounted read-only at /var/lib/seed-cloud;
                 the image's cloud-init stand-in (seed-cloud-init.service) makes the user with
                 passwordless sudo, trusts the CA, writes
                 authorized_keys, generates the host keys and runs a `#!` user data script once,
                 before sshd starts. The instance stays `pending` until the container has booted
                 and sshd runs, then turns `running` (in the aws profile, not before its pending time is
                 over either: emulator.lifecycle).
                 Its nameserver is the VPC's resolver (emulator.dns: Route 53's records, at the VPC's base
                 address plus two, as AmazonProvidedDNS) when one runs on the network, else Docker's.
                 An instance with a public address publishes its ports 22 and 80 on 127.0.0.1 (the
                 stand-in for the internet gateway; they answer only as its security groups and routes
                 let the demo's address in, emulator.network); a private one publishes nothing and is
                 reached through the bastion, as on AWS. What reaches a container, and what it reaches,
                 is what its security groups and its subnet's routes allow (emulator.network).
Stop/Start    -> docker stop / docker start (`pending` again until booted).
Terminate     -> the container is removed.
An Auto Scaling group's instances, launched and terminated inside moto with no RunInstances or TerminateInstances
request, get and lose theirs the same way: emulator.asg_dataplane calls launch() and remove() when emulator.autoscaling
tells it what a group did.

The data plane writes, in its state folder, for the ssh side of the demo:
  ssh_config      one Host block per public address: HostName 127.0.0.1, its port, HostKeyAlias
                  the public address (known_hosts stays keyed by the address AWS reports)
  addresses.json  the addresses ssh may dial: the containers' private addresses (the ssh guard,
                  emulator.ssh_guard, refuses every other destination)
Containers and networks carry the label seed.emulator=dataplane: stopping the emulator removes
them, and a start removes any a crash left behind.
"""

import json
import os
import subprocess
import tempfile
import threading
import time
import ipaddress

from emulator import amis
from emulator.server import Hook, ec2_backend

LABEL = 'seed.emulator'
LABEL_VALUE = 'dataplane'
BOOT_TIMEOUT = 180
SYSTEMD_CONTAINER = ['--cap-add', 'SYS_ADMIN', '--cgroupns', 'host', '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw',
                     '--tmpfs', '/run', '--tmpfs', '/run/lock', '--tmpfs', '/tmp', '--stop-signal', 'SIGRTMIN+3']


def docker(*args, check=True, timeout=120):
    proc = subprocess.run(['docker'] + list(args), capture_output=True, text=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError('docker %s: %s' % (' '.join(args[:2]), (proc.stderr or proc.stdout).strip()))
    return proc.stdout.strip()


def write_atomic(path, text, mode=0o644):
    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.tmp-')
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def instance_ids(form):
    return [v for k, v in sorted(form.items()) if k.startswith('InstanceId.')]


class HostListeners:
    """The servers the emulator runs on the VPC bridges' host addresses (the VPC router's, base plus one), one per VPC
    network: emulator.imds's and emulator.endpoints'. ``where`` (vpc id -> (address, port)) is what the packet filter
    (emulator.network) sends their traffic to. A network made again at the same address (after a reset) replaces the
    server that was there."""

    def __init__(self, where, log, what):
        self.where, self.log, self.what = where, log, what
        self.servers = {}

    def add(self, vpc_id, cidr, make):
        """A server from ``make(address)`` (socketserver-like) on the network of ``cidr``, serving in a thread; None when
        it cannot listen there (logged)."""
        address = str(ipaddress.ip_network(cidr).network_address + 1)
        for old_vpc, old in list(self.servers.items()):
            if old.server_address[0] == address:
                old.shutdown()
                old.server_close()
                del self.servers[old_vpc]
                self.where.pop(old_vpc, None)
        try:
            httpd = make(address)
        except OSError as exc:
            self.log('%s: none for %s at %s: %s' % (self.what, vpc_id, address, exc))
            return None
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.servers[vpc_id] = httpd
        self.where[vpc_id] = (address, httpd.server_port)
        return httpd

    def close(self):
        for httpd in list(self.servers.values()):
            httpd.shutdown()
            httpd.server_close()
        self.servers = {}
        self.where.clear()


class DataPlane(Hook):
    """Containers for the instances of the emulator's API (see the module's docstring).

    attach: containers (name -> network alias) joined to every VPC network the data plane makes:
    hosts "on the internet" that instances reach by name, such as the demo's git server."""

    def __init__(self, state_dir, attach=None, log=None):
        self.state_dir = os.path.abspath(state_dir)
        os.makedirs(os.path.join(self.state_dir, 'instances'), exist_ok=True)
        self.attach = dict(attach or {})
        self.log = log or (lambda msg: None)
        self.lock = threading.RLock()
        self.instances = {}   # id -> {'container', 'private_ip', 'public_ip', 'ports', 'state', 'error', 'name'}
        self.networks = {}    # vpc id -> docker network name
        self.threads = []
        # on_network: callables (vpc id, network, CIDR) told of each VPC network made (emulator.dns starts the VPC's
        # resolver there); nameservers: network -> the address its instances ask for names (docker run --dns)
        self.on_network = []
        self.nameservers = {}
        # for emulator.network: vpc id -> the network's bridge on the host, its CIDR, and {alias: address} of the
        # containers attached to it (hosts of the internet)
        self.bridges, self.cidrs, self.attached_addresses = {}, {}, {}
        # for emulator.network: vpc id -> (address, port) where the instance metadata service (emulator.imds) listens
        self.metadata = {}

    # -- lifecycle of the whole data plane ---------------------------------
    def clean(self):
        """Remove every container and network the data plane made (also those of a crashed run)."""
        ids = docker('ps', '-aq', '--filter', 'label=%s=%s' % (LABEL, LABEL_VALUE), check=False).split()
        if ids:
            docker('rm', '-f', *ids, check=False)
        for net in docker('network', 'ls', '-q', '--filter', 'label=%s=%s' % (LABEL, LABEL_VALUE), check=False).split():
            for name in self.attach:
                docker('network', 'disconnect', '-f', net, name, check=False)
            docker('network', 'rm', net, check=False)
        with self.lock:
            self.instances, self.networks, self.nameservers = {}, {}, {}
            self.bridges, self.cidrs, self.attached_addresses = {}, {}, {}
            self.write_state()

    def reset(self):
        self.clean()

    # -- API hooks ------------------------------------------------------------
    def after(self, action, form, payload, region):
        backend = ec2_backend(region)
        if backend is None:
            return payload
        if action == 'RunInstances':
            import re
            for instance_id in sorted(set(re.findall(r'<instanceId>(i-[0-9a-f]+)</instanceId>', payload.decode('utf-8', 'replace')))):
                self.launch(backend, region, instance_id)
        elif action == 'TerminateInstances':
            for instance_id in instance_ids(form):
                self.remove(instance_id)
        elif action == 'StopInstances':
            for instance_id in instance_ids(form):
                self.stop(instance_id)
        elif action == 'StartInstances':
            for instance_id in instance_ids(form):
                self.start(backend, instance_id)
        return payload

    # -- instances ----------------------------------------------------------------
    def network_for(self, backend, vpc_id):
        with self.lock:
            if vpc_id in self.networks:
                return self.networks[vpc_id]
            vpc = backend.get_vpc(vpc_id)
            cidr = ipaddress.ip_network(vpc.cidr_block)
            name = 'seed-%s' % vpc_id
            if not docker('network', 'ls', '-q', '--filter', 'name=^%s$' % name, check=False):
                # The VPC's router address (the first one) is the host's side of the bridge; Docker gives
                # addresses of its own (the git server's) only from the VPC's last /28, which AWS subnets
                # of a demo never reach.
                last = ipaddress.ip_network('%s/28' % (cidr.broadcast_address - 15), strict=False)
                docker('network', 'create', '--driver', 'bridge', '--subnet', str(cidr), '--gateway', str(cidr.network_address + 1),
                       '--ip-range', str(last), '--label', '%s=%s' % (LABEL, LABEL_VALUE), '--label', 'seed.vpc-id=%s' % vpc_id, name)
                for container, alias in sorted(self.attach.items()):
                    docker('network', 'connect', '--alias', alias, name, container, check=False)
            self.bridges[vpc_id] = 'br-%s' % docker('network', 'inspect', '-f', '{{.Id}}', name)[:12]
            self.cidrs[vpc_id] = str(cidr)
            self.attached_addresses[vpc_id] = {}
            for container, alias in sorted(self.attach.items()):
                address = docker('inspect', '-f', '{{with index .NetworkSettings.Networks "%s"}}{{.IPAddress}}{{end}}' % name,
                                 container, check=False)
                if address:
                    self.attached_addresses[vpc_id][alias] = address
            self.networks[vpc_id] = name
            for told in self.on_network:  # before any instance starts there: its resolver is up when it boots
                try:
                    told(vpc_id, name, str(cidr))
                except Exception as exc:  # pylint: disable=broad-except
                    self.log('dataplane: %s: %s' % (name, exc))
            return name

    def launch(self, backend, region, instance_id):
        instance = backend.get_instance(instance_id)
        image = amis.by_id(region).get(instance.image_id)
        tags = dict((t['key'], t['value']) for t in backend.describe_tags(filters={'resource-id': [instance_id]}))
        entry = {'id': instance_id, 'name': tags.get('Name'), 'container': 'seed-%s' % instance_id,
                 'private_ip': instance.private_ip, 'public_ip': instance.public_ip, 'ports': {}, 'state': 'pending',
                 'error': None, 'vpc_id': instance.vpc_id, 'stack': tags.get('Stack', ''), 'region': region}
        with self.lock:
            self.instances[instance_id] = entry
        if image is None:
            entry.update(state='no-image', error='image %s has no local image; it runs as an API record only' % instance.image_id)
            self.log('dataplane: %s: %s' % (instance_id, entry['error']))
            return
        # metadata, as the instance would read it from the instance metadata service
        meta = os.path.join(self.state_dir, 'instances', instance_id)
        os.makedirs(meta, exist_ok=True)
        keypair = backend.key_pairs.get(instance.key_name) if instance.key_name else None
        write_atomic(os.path.join(meta, 'login-user'), image['login_user'] + '\n')
        write_atomic(os.path.join(meta, 'public-keys'), (keypair.public_key.strip() + '\n') if keypair else '')
        write_atomic(os.path.join(meta, 'hostname'), 'ip-%s\n' % entry['private_ip'].replace('.', '-'))
        write_atomic(os.path.join(meta, 'instance-id'), instance_id + '\n')
        user_data = instance.user_data.decode() if instance.user_data else ''
        write_atomic(os.path.join(meta, 'user-data'), user_data, mode=0o600)
        from emulator import ca
        with open(ca.ensure(self.state_dir)[0]) as f:  # the cloud's root CA, which the image trusts (emulator.ca)
            write_atomic(os.path.join(meta, 'ca.crt'), f.read())
        instance._state.name, instance._state.code = 'pending', 0  # pylint: disable=protected-access
        instance.seed_serving = 'starting'  # emulator.lifecycle keeps it pending until it serves
        thread = threading.Thread(target=self._boot, args=(backend, instance, image, entry, meta), daemon=True)
        self.threads.append(thread)
        thread.start()

    def _boot(self, backend, instance, image, entry, meta):
        try:
            network = self.network_for(backend, instance.vpc_id)
            args = ['run', '-d', '--name', entry['container'], '--hostname', 'ip-%s' % entry['private_ip'].replace('.', '-'),
                    '--network', network, '--ip', entry['private_ip'], '--label', '%s=%s' % (LABEL, LABEL_VALUE),
                    '--label', 'seed.instance-id=%s' % entry['id'], '--label', 'seed.name=%s' % (entry['name'] or ''),
                    '--label', 'seed.stack=%s' % entry['stack'],
                    '-v', '%s:/var/lib/seed-cloud:ro' % meta] + SYSTEMD_CONTAINER
            if entry['public_ip']:
                args += ['-p', '127.0.0.1::22', '-p', '127.0.0.1::80']
            if self.nameservers.get(network):  # the VPC's resolver (emulator.dns), as AmazonProvidedDNS on AWS
                args += ['--dns', self.nameservers[network]]
            docker(*(args + [image['container_image'], '/lib/systemd/systemd']))
            self._wait_booted(entry)
            self._read_ports(entry)
            with self.lock:
                entry['state'] = 'running'
                self.write_state()
            instance.seed_serving = 'serving'
            if instance.state == 'pending' and not getattr(instance, 'seed_timed', False):  # else emulator.lifecycle, in time
                instance._state.name, instance._state.code = 'running', 16  # pylint: disable=protected-access
            self.log('dataplane: %s (%s) running in %s at %s' % (entry['id'], entry['name'], entry['container'], entry['private_ip']))
        except Exception as exc:  # pylint: disable=broad-except
            instance.seed_serving = 'failed'
            with self.lock:
                entry.update(state='failed', error=str(exc))
                self.write_state()
            self.log('dataplane: %s failed to boot: %s' % (entry['id'], exc))
            if instance.state == 'pending':
                instance._state.name, instance._state.code = 'stopped', 80  # pylint: disable=protected-access

    @staticmethod
    def _wait_booted(entry):
        deadline = time.monotonic() + BOOT_TIMEOUT
        while True:
            proc = subprocess.run(['docker', 'exec', entry['container'], 'sh', '-c',
                                   'test -f /var/lib/cloud/instance/boot-finished && systemctl is-active --quiet ssh'],
                                  capture_output=True, check=False, timeout=30)
            if proc.returncode == 0:
                return
            if docker('inspect', '-f', '{{.State.Running}}', entry['container'], check=False) != 'true':
                raise RuntimeError('the container stopped while booting: %s' % docker('logs', '--tail', '20', entry['container'], check=False))
            if time.monotonic() > deadline:
                status = docker('exec', entry['container'], 'systemctl', 'status', '--no-pager', 'seed-cloud-init', 'ssh', check=False)
                raise RuntimeError('not booted after %d s (cloud-init stand-in and sshd): %s' % (BOOT_TIMEOUT, status[-800:]))
            time.sleep(0.5)

    @staticmethod
    def _read_ports(entry):
        entry['ports'] = {}
        if not entry['public_ip']:
            return
        for port in (22, 80):
            out = docker('port', entry['container'], '%d/tcp' % port, check=False).splitlines()
            if out:
                entry['ports'][str(port)] = int(out[0].rsplit(':', 1)[1])

    def remove(self, instance_id):
        with self.lock:
            entry = self.instances.pop(instance_id, None)
        if entry is None:
            return
        docker('rm', '-f', entry['container'], check=False)
        with self.lock:
            self.write_state()
        self.log('dataplane: %s terminated, container removed' % instance_id)

    def stop(self, instance_id):
        entry = self.instances.get(instance_id)
        if entry and entry['state'] == 'running':
            docker('stop', entry['container'], check=False)
            with self.lock:
                entry.update(state='stopped', ports={})
                self.write_state()

    def start(self, backend, instance_id):
        entry = self.instances.get(instance_id)
        if not entry or entry['state'] != 'stopped':
            return
        instance = backend.get_instance(instance_id)
        instance._state.name, instance._state.code = 'pending', 0  # pylint: disable=protected-access
        instance.seed_serving = 'starting'

        def boot():
            try:
                docker('start', entry['container'])
                self._wait_booted(entry)
                self._read_ports(entry)
                with self.lock:
                    entry['state'] = 'running'
                    self.write_state()
                instance.seed_serving = 'serving'
                if not getattr(instance, 'seed_timed', False):  # else emulator.lifecycle, in time
                    instance._state.name, instance._state.code = 'running', 16  # pylint: disable=protected-access
            except Exception as exc:  # pylint: disable=broad-except
                instance.seed_serving = 'failed'
                entry.update(state='failed', error=str(exc))
                self.log('dataplane: %s failed to start: %s' % (instance_id, exc))
        threading.Thread(target=boot, daemon=True).start()

    # -- what ssh and the proxy see --------------------------------------------------
    def state(self):
        with self.lock:
            return {'instances': [dict(e) for e in sorted(self.instances.values(), key=lambda e: e['id'])],
                    'networks': dict(self.networks)}

    def public_target(self, address, port):
        """The container address behind a public address and port, or None (not an instance's)."""
        with self.lock:
            for entry in self.instances.values():
                if entry['public_ip'] == address and entry['state'] == 'running':
                    return entry['private_ip'], port
        return None

    def write_state(self):
        running = [e for e in sorted(self.instances.values(), key=lambda e: e['id']) if e['state'] == 'running']
        blocks = ['# Written by the emulator\'s data plane: each public address of an instance, reached on 127.0.0.1.\n']
        for e in running:
            if e['public_ip'] and e['ports'].get('22'):
                blocks.append('Host %s\n  HostName 127.0.0.1\n  Port %d\n  HostKeyAlias %s\n'
                              % (e['public_ip'], e['ports']['22'], e['public_ip']))
        write_atomic(os.path.join(self.state_dir, 'ssh_config'), '\n'.join(blocks))
        write_atomic(os.path.join(self.state_dir, 'addresses.json'), json.dumps({
            'containers': sorted(e['private_ip'] for e in running),
            'public': dict((e['public_ip'], {'name': e['name'], 'ports': e['ports']}) for e in running if e['public_ip']),
        }, indent=1, sort_keys=True))
