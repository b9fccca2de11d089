"""AWS's public service endpoints as the data plane's instances reach them: S3 and STS at their DNS names, over HTTPS,
only through the VPC's way to the internet.

What AWS does, and what stands in for it here:

- **The endpoints are on the internet** ("Service endpoints", https://docs.aws.amazon.com/general/latest/gr/rande.html;
  S3's are ``s3.<region>.amazonaws.com`` and ``<bucket>.s3.<region>.amazonaws.com``, virtual-hosted style, and the
  legacy global ``s3.amazonaws.com``, https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html; STS's
  ``sts.amazonaws.com`` and ``sts.<region>.amazonaws.com``). An instance reaches them as it reaches any address of the
  internet: a public address and a route to an attached internet gateway, or a route to an available NAT gateway
  (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html). Here the VPC's resolver (emulator.dns) answers
  those names with ADDRESS, an address of the internet as the data plane sees it, and the packet filter
  (emulator.network) counts it among the destinations a member reaches by its routes, sends its TCP 443 to this
  module's listener on the VPC router's address, and lets it in there only when the routes allow it. Nothing is sent to
  ADDRESS itself: it is a documentation address (RFC 5737), and the filter drops anything for it that is not sent here.
- **HTTPS with a certificate the instances trust**: the emulator's CA (emulator.ca) signs one for the endpoints' names,
  the AMIs trust that CA, as an instance trusts Amazon's.
- **The same API**: the listener serves the emulator's application (the recording, the aws profile's hooks, moto);
  a request from a VPC may name the endpoints' hosts (the API on 127.0.0.1 refuses any other Host), and a
  virtual-hosted-style S3 request is answered as the path-style one it stands for, its signature checked against the
  host and path the client signed (emulator.imds.signature_matches reads ``seed.signed_*``).
"""

import os
import re

ADDRESS = '198.51.100.53'
PORT = 443
SERVICES = ('s3', 'sts')
_VIRTUAL = re.compile(r'^(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.s3(?:[.-](?P<region>[a-z]{2}(?:-[a-z]+)+-\d))?\.amazonaws\.com$')


def regions():
    """The regions of AWS's commercial partition (botocore's endpoint data)."""
    import botocore.session
    return sorted(botocore.session.get_session().get_available_regions('s3'))


def domains(region_list=None):
    """The endpoints' DNS names; each also stands for the names below it (dnsmasq's address=/name/ answers them too, so
    a bucket's virtual host resolves)."""
    out = []
    for service in SERVICES:
        out.append('%s.amazonaws.com' % service)
        out += ['%s.%s.amazonaws.com' % (service, r) for r in (region_list or regions())]
    return out


def certificate_names(region_list=None):
    names = domains(region_list)
    return names + ['*.%s' % n for n in names if n.startswith('s3.')]


def virtual_host(environ):
    """A virtual-hosted-style S3 request (``<bucket>.s3[.<region>].amazonaws.com``) as the path-style request it stands
    for, in place; the host and path the client signed are kept in ``seed.signed_host`` and ``seed.signed_uri``."""
    host = (environ.get('HTTP_HOST') or '').split(':', 1)[0].lower()
    match = _VIRTUAL.match(host)
    if not match:
        return
    environ['seed.signed_host'] = environ.get('HTTP_HOST')
    environ['seed.signed_uri'] = environ.get('RAW_URI') or environ.get('REQUEST_URI') or environ.get('PATH_INFO') or '/'
    environ['HTTP_HOST'] = 's3.%s.amazonaws.com' % (match.group('region') or 'us-east-1')
    environ['PATH_INFO'] = '/%s%s' % (match.group('bucket'), environ.get('PATH_INFO') or '/')
    for key in ('RAW_URI', 'REQUEST_URI'):
        if key in environ:
            path, sep, query = environ[key].partition('?')
            environ[key] = '/%s%s%s%s' % (match.group('bucket'), path or '/', sep, query)


def vpc_app(app, vpc_id):
    """``app`` as the instances of ``vpc_id`` reach it: from a VPC (the Recorder takes the endpoints' hosts), a
    virtual-hosted S3 request as its path-style one."""
    def serve(environ, start_response):
        environ['seed.from_vpc'] = vpc_id
        virtual_host(environ)
        return app(environ, start_response)
    return serve


class Endpoints:
    """One HTTPS listener per VPC network of the data plane, on the bridge's host address; ``dataplane.endpoints`` holds
    vpc id -> (address, port) for the packet filter, ``dataplane.endpoint_domains`` the names for the VPC resolver."""

    def __init__(self, app, dataplane, log=None):
        from emulator import ca
        self.app = app
        self.dataplane = dataplane
        self.log = log or (lambda msg: None)
        folder = os.path.join(dataplane.state_dir, 'endpoints')
        os.makedirs(folder, exist_ok=True)
        cert, key = ca.issue(dataplane.state_dir, certificate_names())
        self.cert, self.key = os.path.join(folder, 'endpoints.crt'), os.path.join(folder, 'endpoints.key')
        with open(self.cert, 'w') as f:
            f.write(cert)
        with os.fdopen(os.open(self.key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w') as f:
            f.write(key)
        dataplane.endpoints = getattr(dataplane, 'endpoints', {})
        dataplane.endpoint_domains = domains()
        from emulator.dataplane import HostListeners
        self.listeners = HostListeners(dataplane.endpoints, self.log, 'endpoints')
        dataplane.on_network.append(self.network_added)

    def network_added(self, vpc_id, network, cidr):  # pylint: disable=unused-argument
        from werkzeug.serving import make_server
        httpd = self.listeners.add(vpc_id, cidr, lambda address: make_server(
            address, 0, vpc_app(self.app, vpc_id), threaded=True, ssl_context=(self.cert, self.key)))
        if httpd is not None:
            self.log('endpoints: the instances of %s reach S3 and STS at %s:%d by their routes (served at %s:%d)'
                     % ((vpc_id, ADDRESS, PORT) + tuple(self.dataplane.endpoints[vpc_id])))

    def close(self):
        self.listeners.close()
