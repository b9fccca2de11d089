"""The internet, as the demo's control node sees it: an HTTP forward proxy on 127.0.0.1.

A client that has http_proxy pointing here (make demo-env exports it) asks for
http://<public address of an instance>/... (or a load balancer's DNS name); the proxy sends the
request to that container, on the Docker network, at the same port. A name in the emulator's
Route 53 (a domain's alias record to a load balancer, a CNAME to its name, an A record of an
instance's public address) is resolved through Route 53 as DNS answers it (emulator.dns: only
changes that are INSYNC), never through the host's resolver: http://shop.example.com/ reaches the
load balancer's port 80, and CONNECT shop.example.com:443 its HTTPS listener. Any other
destination is refused with 403 before a packet leaves: the addresses moto hands out are real AWS
ranges, and nothing may dial them. HTTPS (CONNECT) is refused the same way.
"""

import http.client
import http.server
import select
import socket
import threading
from urllib.parse import urlsplit

HOP_BY_HOP = ('connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailers',
              'transfer-encoding', 'upgrade')


def make_handler(resolve):
    """resolve(host, port) -> (address, port) on a container, or None."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            pass

        def refuse(self, why):
            data = ('emulator internet: %s\n' % why).encode()
            self.send_response(403)
            self.send_header('Content-Type', 'text/plain')
            self.send_header('Content-Length', str(len(data)))
            self.send_header('Connection', 'close')
            self.end_headers()
            self.wfile.write(data)

        def forward(self):
            url = urlsplit(self.path)
            if url.scheme != 'http' or not url.hostname:
                return self.refuse('only absolute http:// URLs are proxied (got %r)' % self.path)
            target = resolve(url.hostname, url.port or 80)
            if target is None:
                return self.refuse('%s:%d is not an address of the emulator\'s instances, nor a name of its DNS; nothing was sent'
                                   % (url.hostname, url.port or 80))
            length = int(self.headers.get('Content-Length') or 0)
            body = self.rfile.read(length) if length else None
            headers = dict((k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP)
            path = url.path or '/'
            if url.query:
                path += '?' + url.query
            conn = http.client.HTTPConnection(target[0], target[1], timeout=60)
            try:
                conn.request(self.command, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except OSError as exc:
                return self.refuse('%s:%d (container %s:%d) did not answer: %s' % (url.hostname, url.port or 80, target[0], target[1], exc))
            finally:
                conn.close()
            self.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_BY_HOP and k.lower() != 'content-length':
                    self.send_header(k, v)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(data)
            return None

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = forward

        def do_CONNECT(self):  # pylint: disable=invalid-name
            host, dummy, port = self.path.rpartition(':')
            target = resolve(host, int(port)) if port.isdigit() else None
            if target is None:
                return self.refuse('%s is not an address of the emulator\'s instances, nor a name of its DNS; nothing was sent'
                                   % self.path)
            try:
                upstream = socket.create_connection(target, timeout=30)
            except OSError as exc:
                return self.refuse('%s did not answer: %s' % (self.path, exc))
            self.send_response(200, 'Connection established')
            self.end_headers()
            sockets = [self.connection, upstream]
            try:
                while True:
                    readable = select.select(sockets, [], [], 60)[0]
                    if not readable:
                        break
                    for s in readable:
                        data = s.recv(65536)
                        if not data:
                            return None
                        (upstream if s is self.connection else self.connection).sendall(data)
            finally:
                upstream.close()
            return None

    return Handler


def through(direct, names=None):
    """resolve(host, port) for :func:`make_handler`: ``direct(host, port)`` (an instance's public address, a load
    balancer's DNS name -> its container), else ``direct`` of each name or address ``names(host)`` resolves ``host`` to
    (emulator.dns.Dns.names: the emulator's Route 53, as DNS answers it); None when neither knows it."""
    def resolve(host, port):
        target = direct(host, port)
        if target is None and names is not None:
            for name in names(host):
                target = direct(name, port)
                if target is not None:
                    break
        return target
    return resolve


def serve(port, resolve, host='127.0.0.1'):
    """Start the proxy in a thread; returns the server."""
    server = http.server.ThreadingHTTPServer((host, port), make_handler(resolve))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
