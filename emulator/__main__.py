"""The embedded AWS emulator: python -m emulator --port 5000 [options]

  API        moto's server app on a loopback address, behind emulator.server (request log, faults,
             local clients only) and emulator.fidelity (AWS's answers where moto's differ)
  data plane with --dataplane-dir: instances run as systemd containers (emulator.dataplane; those Auto
             Scaling groups launch too, emulator.asg_dataplane), load
             balancers as HAProxy (emulator.loadbalancer), RDS and Redis as PostgreSQL and Redis
             (emulator.datatier), each VPC's resolver answers from Route 53 (emulator.dns), the
             security groups, routes, internet and NAT gateways filter their packets (emulator.network:
             nftables on the host), and --proxy-port serves an HTTP proxy to their public addresses and
             Route 53's names (emulator.proxy)
"""

import argparse
import ipaddress
import os
import signal
import sys

from emulator.profile import DEFAULT_LAG, DEFAULT_PACE, DEFAULT_PROFILE, PROFILES


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='python -m emulator', description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--host', default='127.0.0.1', help='a loopback address (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=5000)
    parser.add_argument('--log', help='append one line per request: action status')
    parser.add_argument('--pidfile')
    parser.add_argument('--no-warm-up', action='store_true')
    parser.add_argument('--throttle', type=float, default=0.0, help='fraction of requests throttled (0-1)')
    parser.add_argument('--lose', default='', help='comma-separated actions whose answer is lost once')
    parser.add_argument('--strict', action='store_true', help="enforce AWS's dependency rules")
    parser.add_argument('--pending', type=int, default=0, help='describes a NAT gateway/instance stays pending')
    parser.add_argument('--seed', type=int, help='seed of the fault randomness and of the aws profile\'s consistency lags')
    parser.add_argument('--profile', choices=PROFILES, default=DEFAULT_PROFILE,
                        help="aws: AWS's rules, consistency and time (the default); moto: lenient and instant")
    parser.add_argument('--pace', type=float, default=DEFAULT_PACE,
                        help="the fraction of AWS's typical duration each transitional state lasts (default %s)" % DEFAULT_PACE)
    parser.add_argument('--lag', type=int, default=DEFAULT_LAG,
                        help='Describe calls a new id may stay invisible, at most (default %s)' % DEFAULT_LAG)
    parser.add_argument('--memo-reads', action='store_true',
                        help='answer a repeated Describe request from memory until the next mutating request (benchmarks)')
    parser.add_argument('--dataplane-dir', help='run instances as containers; ssh_config and addresses.json are written here')
    parser.add_argument('--attach', action='append', default=[], metavar='CONTAINER=ALIAS',
                        help='join this container to every VPC network under this name (a host "on the internet")')
    parser.add_argument('--proxy-port', type=int, help='HTTP proxy to the instances\' public addresses on this port')
    parser.add_argument('--no-dns', action='store_true',
                        help='no VPC resolver answering from Route 53 (emulator.dns): the instances use Docker\'s resolver')
    parser.add_argument('--no-network-rules', action='store_true',
                        help='no packet filter for the security groups and routes (emulator.network): every container of a VPC '
                             'reaches every other and the host\'s NAT, as before; for a machine without nftables')
    args = parser.parse_args(argv)
    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        parser.error('--host: %r is not an IP address; the emulator only listens on a loopback address such as 127.0.0.1' % args.host)
    if not loopback:
        parser.error('--host: the emulator only listens on a loopback address such as 127.0.0.1 (got %s)' % args.host)
    for item in args.attach:
        if '=' not in item or not all(item.split('=', 1)):
            parser.error('--attach: give CONTAINER=ALIAS (got %r)' % item)
    if args.proxy_port and not args.dataplane_dir:
        parser.error('--proxy-port needs --dataplane-dir (the proxy reaches the data plane\'s containers)')
    return args


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault('AWS_ACCESS_KEY_ID', 'testing')
    os.environ.setdefault('AWS_SECRET_ACCESS_KEY', 'testing')
    from emulator.fidelity import patch_moto
    from emulator.server import FaultError, make_app, warm_up
    patch_moto()
    hooks = []
    dataplane = dns = network = None
    if args.dataplane_dir:
        from emulator.dataplane import DataPlane

        def log(msg):
            sys.stderr.write(msg + '\n')
            sys.stderr.flush()
        dataplane = DataPlane(args.dataplane_dir, attach=dict(a.split('=', 1) for a in args.attach), log=log)
        dataplane.clean()  # whatever a crashed run left
        from emulator import acm
        acm.use_ca_folder(dataplane.state_dir)  # requested certificates signed by the CA the instances trust
        hooks.append(dataplane)
        from emulator.loadbalancer import LoadBalancers
        load_balancers = LoadBalancers(dataplane, log=log)
        hooks.append(load_balancers)
        from emulator.datatier import DataTier
        datatier = DataTier(dataplane, log=log)
        hooks.append(datatier)
        if not args.no_dns:
            from emulator.dns import Dns
            dns = Dns(dataplane, load_balancers, log=log)
            hooks.append(dns)
        from emulator.imds import MetadataService
        metadata_service = MetadataService(dataplane, log=log)  # before the network's rules: they send 169.254.169.254 to it
        if not args.no_network_rules:
            from emulator.network import Network, NetworkError
            try:
                network = Network(dataplane, load_balancers, datatier, log=log)
            except NetworkError as exc:
                sys.exit('emulator: the security groups and routes cannot be enforced (%s); give --no-network-rules to run '
                         'without them' % exc)
            hooks.append(network)
        from emulator.images import Images
        images = Images(dataplane, log=log)  # CreateImage of an instance: its container committed (a baked AMI)
        hooks.append(images)
        from emulator.asg_dataplane import GroupInstances
        group_instances = GroupInstances(dataplane, load_balancers, network, log=log)  # the groups' instances, as RunInstances'
        hooks.append(group_instances)
    faults = {'throttle': args.throttle, 'lose': [a for a in args.lose.split(',') if a], 'strict': args.strict,
              'pending': args.pending, 'seed': args.seed, 'profile': args.profile, 'pace': args.pace, 'lag': args.lag}
    try:
        app = make_app(args.log, faults, args.memo_reads, hooks)
    except FaultError as exc:
        sys.exit('emulator: %s' % exc)
    endpoints = None
    if dataplane is not None:  # AWS's public endpoints (S3, STS) as the instances reach them, served by this app
        from emulator.endpoints import Endpoints
        endpoints = Endpoints(app, dataplane, log=log)
    if not args.no_warm_up:
        warm_up(app)
    from werkzeug.serving import make_server
    server = make_server(args.host, args.port, app, threaded=True)
    port = server.server_port
    app.allowed_hosts = set(['%s:%d' % (h, port) for h in (args.host, 'localhost')] + [args.host, 'localhost'])
    proxy = None
    if args.proxy_port:
        from emulator import proxy as proxy_mod

        def direct(host, port):
            return dataplane.public_target(host, port) or load_balancers.public_target(host, port)
        proxy = proxy_mod.serve(args.proxy_port, proxy_mod.through(direct, dns.names if dns is not None else None), args.host)
    if args.pidfile:
        with open(args.pidfile, 'w') as f:
            f.write(str(os.getpid()))

    def stop(signum, frame):  # pylint: disable=unused-argument
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    sys.stderr.write('emulator listening on http://%s:%d%s\n' % (
        args.host, port, ' (data plane: %s; proxy on %s)' % (args.dataplane_dir, args.proxy_port or 'none') if dataplane else ''))
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if proxy is not None:
            proxy.shutdown()
        if dataplane is not None:
            sys.stderr.write('emulator: removing the data plane\'s containers\n')
            group_instances.stop()  # no group launches a container any more
            datatier.clean()
            dataplane.clean()
            metadata_service.close()
            images.clean()
            endpoints.close()
            if network is not None:
                network.clean()


if __name__ == '__main__':
    main()
