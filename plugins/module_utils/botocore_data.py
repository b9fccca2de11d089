# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A faster start for botocore clients in short-lived module processes.

Every module is a new Python process, and making its EC2 client cost about
0.18 s, most of it botocore reading its data files (see bench/results.md):

- the EC2 model is 3.6 MB of JSON, two thirds of it documentation, parsed into
  ``OrderedDict`` objects (about 0.11 s);
- to check that ``ec2`` exists, botocore lists every one of its ~400 service
  folders in every data path (about 0.035 s);
- ``endpoints.json`` (0.7 MB, every service of every partition) is parsed the
  same slow way (about 0.025 s).

``lean_loader()`` returns a botocore ``Loader`` that fixes the three and changes
nothing else. Once per botocore version and set of operations it writes the
service model without its documentation strings and with only the operations
the collection's code calls (about 55 of EC2's 830, and the shapes they reach:
0.14 MB; a client makes one method per operation, so this is what makes it
0.05 s faster) and
``endpoints.json`` with only that service in each partition (11 kB instead of
0.7 MB: 0.02 s less per process) under
``$XDG_CACHE_HOME/seed.laravel_aws/botocore-<version>-<key>/`` (``~/.cache`` by
default; the key changes with the operations and ``LAYOUT``), each to a temporary name and renamed, so concurrent
modules never read half a file. That folder comes first in the search path and
its files are parsed into plain dicts (which keep their order, as
``OrderedDict`` did); a service is known when it has an API version folder,
without listing all the others. Only the services in ``LEAN_SERVICES`` get
clients from a lean session (``AwsModule`` sees to it): the trimmed
``endpoints.json`` knows no other.

No list of operations is kept by hand: :func:`called_operations` reads the source
of the collection's code that is loaded when the client is made (the module and
the module_utils it imports, or the inventory plugin) and keeps every EC2
operation it names, as ``ec2.describe_vpcs(``, ``paginate('describe_vpcs'``,
``ctx.call('create_tags'`` or ``'revoke_security_group_%s' % direction``. A new
call is fast the first time it is written. Anything unexpected (no writable home, a
botocore without the model, a user's own ``AWS_DATA_PATH``) returns ``None``,
and botocore uses its own loader as usual: this is only ever a speed-up.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import json
import os
import re
import sys
import tempfile

from ansible_collections.seed.laravel_aws.plugins.module_utils import resources

try:
    import botocore
    from botocore.exceptions import DataNotFoundError
    from botocore.loaders import JSONFileLoader, Loader, create_loader
    from botocore.utils import parse_timestamp as botocore_parse_timestamp
    HAS_BOTOCORE = True
except ImportError:  # pragma: no cover - the module reports a missing botocore
    HAS_BOTOCORE = False
    JSONFileLoader = Loader = object

DROPPED_KEYS = frozenset(('documentation', 'documentationUrl'))

# The services whose clients come from the lean folder (its endpoints.json lists only these).
LEAN_SERVICES = ('ec2',)
# The other services the modules call (the resource table's), through botocore's own loader.
OTHER_SERVICES = tuple(s for s in resources.services() if s not in LEAN_SERVICES)
# Words of the code that name an operation of another service which EC2 has too (ELBv2's DescribeTags,
# module_utils/elbv2.py); the collection never calls EC2's, so neither the lean model nor the IAM policy has it.
NOT_EC2 = frozenset(['describe_tags'])
# The same for the other services: RDS's and ElastiCache's ListTagsForResource, which ACM has too (the
# certificate module reads its tags with ListTagsForCertificate), and Route 53 too (the certificate module reads records only).
# Auto Scaling has a DescribeLoadBalancers and a DescribeTags too: the collection calls ELBv2's, never Auto Scaling's.
# IAM has a DeletePolicy too (a managed policy): the collection deletes Auto Scaling's (a scaling policy), never IAM's.
# ElastiCache has a DeleteSnapshot and a DescribeSnapshots too: the collection deletes an image's EBS snapshots (EC2's),
# and never a cache's.
NOT_CALLED = {'ec2': NOT_EC2, 'acm': frozenset(['list_tags_for_resource']),
              'elasticache': frozenset(['delete_snapshot', 'describe_snapshots']),
              'autoscaling': frozenset(['describe_load_balancers', 'describe_tags']), 'iam': frozenset(['delete_policy'])}

# What the lean folder holds; a new value gives a new folder, so an older copy is never read.
LAYOUT = 2

# The collection's code: what it names is what it calls.
PACKAGE = 'ansible_collections.seed.laravel_aws.plugins'
# snake_case words, and '<prefix>_%s' (an operation named by formatting: revoke_security_group_%s)
WORD_RE = re.compile(r"\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(_%s)?")


def code_words(modules=None):
    """(words, prefixes): the snake_case words of the source of the collection's loaded code, and the
    prefixes of the '<prefix>_%s' names in it. LookupError when a loaded module's source cannot be read."""
    texts = []
    for name, module in list((sys.modules if modules is None else modules).items()):
        spec = getattr(module, '__spec__', None)
        if not str(getattr(spec, 'name', None) or name).startswith(PACKAGE):
            continue
        loader = getattr(module, '__loader__', None) or getattr(spec, 'loader', None)
        try:  # the loader's source: a file, or the module's zip (AnsiballZ) alike
            source = loader.get_source(spec.name if spec else name)
        except (AttributeError, ImportError, OSError, TypeError):
            source = None
        if not source:
            if getattr(spec, 'submodule_search_locations', None) is not None:
                continue  # a package (namespace or __init__) may have none; its modules are read one by one
            # A module whose source cannot be read (Mitogen runs a module as __main__ from its own runner) may call
            # anything: the caller gets botocore's full model instead of a lean one that could lack its operations.
            raise LookupError('no source for %s, loaded by %r' % (spec.name if spec else name, loader))
        # ansible's collection loader (the inventory plugin in ansible-inventory) gives bytes, zipimport str
        texts.append(source.decode('utf-8', 'replace') if isinstance(source, bytes) else source)
    return _words_of(texts)


def _words_of(texts):
    words, prefixes = set(), set()
    for text in texts:
        for word, formatted in WORD_RE.findall(text):
            (prefixes if formatted else words).add(word)
    return words, prefixes


def _matching(index, words, prefixes, service='ec2'):
    words = set(words) - NOT_CALLED.get(service, frozenset())
    return frozenset(op for py, op in index.items() if py in words or any(py.startswith(p + '_') for p in prefixes))


def collection_operations(service='ec2'):
    """Every operation of ``service`` the collection's code names, all of plugins/ read from disk: what the IAM
    policy of docs/iam-policy.json must allow (``OPERATIONS``; a test checks the policy against it)."""
    plugins = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    texts = []
    for folder, dummy, files in os.walk(plugins):
        for name in sorted(f for f in files if f.endswith('.py')):
            with open(os.path.join(folder, name)) as handle:
                texts.append(handle.read())
    stock = create_loader()
    version = stock.determine_latest_version(service, 'service-2')
    index = dict((botocore.xform_name(op), op) for op in stock.load_data('%s/%s/service-2' % (service, version))['operations'])
    return _matching(index, *_words_of(texts), service=service)


def __getattr__(name):  # Python 3.7+: OPERATIONS is derived when asked for, never kept by hand
    if name == 'OPERATIONS':
        return collection_operations()
    raise AttributeError(name)


def operation_index(service, path, stock):
    """{python name: operation name} of the service, kept beside the lean folders (read once per botocore version)."""
    target = os.path.join(path, '%s-operations.json' % service)
    if os.path.isfile(target):
        with open(target) as handle:
            return json.load(handle)
    version = stock.determine_latest_version(service, 'service-2')
    index = dict((botocore.xform_name(op), op) for op in stock.load_data('%s/%s/service-2' % (service, version))['operations'])
    _write_json(index, target)
    return index


def called_operations(service='ec2', root=None, environ=None, modules=None, stock=None):
    """The operations of ``service`` the collection's loaded code names (see :func:`code_words`): derived, never hand-kept."""
    environ = os.environ if environ is None else environ
    index = operation_index(service, os.path.join(root or cache_root(environ), 'botocore-%s' % botocore.__version__),
                            stock or create_loader())
    return _matching(index, *code_words(modules), service=service)


def strip_documentation(node):
    """The model without documentation strings; everything else as it was."""
    if isinstance(node, dict):
        # only string values: a structure may have a member named "documentation"
        return dict((k, strip_documentation(v)) for k, v in node.items()
                    if not (k in DROPPED_KEYS and isinstance(v, str)))
    if isinstance(node, list):
        return [strip_documentation(v) for v in node]
    return node


def trim_operations(model, operations):
    """The model with only ``operations`` and the shapes they reach (inputs, outputs, errors)."""
    shapes = model.get('shapes', {})
    keep = set()
    todo = []
    ops = dict((name, op) for name, op in model.get('operations', {}).items() if name in operations)
    for op in ops.values():
        todo.extend(ref['shape'] for ref in [op.get('input'), op.get('output')] + list(op.get('errors', [])) if ref)
    while todo:
        name = todo.pop()
        if name in keep or name not in shapes:
            continue
        keep.add(name)
        shape = shapes[name]
        todo.extend(shape[k]['shape'] for k in ('member', 'key', 'value') if k in shape)
        todo.extend(member['shape'] for member in shape.get('members', {}).values())
    return dict(model, operations=ops, shapes=dict((k, v) for k, v in shapes.items() if k in keep))


def trim_endpoints(endpoints, services):
    """``endpoints.json`` with only ``services`` in each partition; everything else as it was."""
    partitions = [dict(part, services=dict((k, v) for k, v in part.get('services', {}).items() if k in services))
                  for part in endpoints.get('partitions', [])]
    return dict(endpoints, partitions=partitions)


def operations_key(operations, layout=LAYOUT):
    text = 'layout %s;%s' % (layout, ','.join(sorted(operations)))
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def cache_root(environ=None):
    environ = os.environ if environ is None else environ
    base = environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'seed.laravel_aws')


def _write_json(data, target):
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        os.makedirs(folder, 0o755)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.%s.' % os.path.basename(target), suffix='.tmp')
    try:
        with os.fdopen(fd, 'w') as handle:
            json.dump(data, handle, separators=(',', ':'))
        os.chmod(tmp, 0o644)
        os.rename(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def lean_data_path(service='ec2', root=None, environ=None, operations=None):
    """The folder holding the lean copies for the installed botocore and ``operations`` (default: those the loaded
    code calls, :func:`called_operations`), made if missing; or None."""
    environ = os.environ if environ is None else environ
    if not HAS_BOTOCORE or environ.get('AWS_DATA_PATH'):
        return None  # the user's own models come first; do not shadow them
    try:
        stock = create_loader()
        if operations is None:
            operations = called_operations(service, root, environ, stock=stock)
        path = os.path.join(root or cache_root(environ), 'botocore-%s-%s' % (botocore.__version__, operations_key(operations)))
        version = stock.determine_latest_version(service, 'service-2')
        model = os.path.join(path, service, version, 'service-2.json')
        if not os.path.isfile(model):
            full = stock.load_data('%s/%s/service-2' % (service, version))
            _write_json(strip_documentation(trim_operations(full, operations)), model)
        endpoints = os.path.join(path, 'endpoints.json')
        if not os.path.isfile(endpoints):
            _write_json(trim_endpoints(stock.load_data('endpoints'), (service,)), endpoints)
        return path
    except Exception:  # pylint: disable=broad-except
        return None


class LeanJSONFileLoader(JSONFileLoader):
    """Parses the files of the lean folder into plain dicts; any other file as botocore does."""

    def __init__(self, lean_path):
        self.lean_path = os.path.join(lean_path, '')

    def _load_file(self, full_path, open_method):
        if not full_path.startswith(self.lean_path) or not full_path.endswith('.json'):
            return super(LeanJSONFileLoader, self)._load_file(full_path, open_method)
        if not os.path.isfile(full_path):
            return None
        with open(full_path, 'rb') as handle:
            return json.loads(handle.read().decode('utf-8'))


class _KnownServices:
    """What ``list_available_services`` answers: ``in`` looks for the one service asked about;
    iterating lists them all, as botocore does (only its error messages do that)."""

    def __init__(self, loader, type_name):
        self._loader = loader
        self._type_name = type_name

    def __contains__(self, service_name):
        try:
            return bool(self._loader.list_api_versions(service_name, self._type_name))
        except DataNotFoundError:
            return False

    def __iter__(self):
        return iter(Loader.list_available_services(self._loader, self._type_name))

    def __len__(self):
        return len(list(iter(self)))


class LeanLoader(Loader):
    """botocore's Loader with the lean folder first in its search path."""

    def __init__(self, lean_path):
        super(LeanLoader, self).__init__(extra_search_paths=[lean_path], file_loader=LeanJSONFileLoader(lean_path))

    def list_available_services(self, type_name):
        return _KnownServices(self, type_name)


def lean_loader(service='ec2', root=None, environ=None, operations=None):
    """A Loader for a botocore session (``session.register_component('data_loader', ...)``), or None."""
    path = lean_data_path(service, root=root, environ=environ, operations=operations)
    return LeanLoader(path) if path else None


def parse_timestamp(value):
    """botocore's timestamp parser, fast for the form EC2 sends (2026-11-23T08:00:00.000Z).

    botocore hands every timestamp to dateutil's general parser, about 0.3 ms each: with
    three per instance, a third of the time to parse 5000 instances. The same aware
    datetime in UTC comes from ``fromisoformat``; anything else goes to botocore's parser.
    """
    if isinstance(value, str) and value.endswith('Z'):
        try:
            return datetime.datetime.fromisoformat(value[:-1] + '+00:00')
        except ValueError:
            pass
    return botocore_parse_timestamp(value)


def fast_session(session):
    """Give a botocore session the lean loader (when it can be had) and the fast timestamp parser."""
    loader = lean_loader('ec2')
    if loader is not None:
        session.register_component('data_loader', loader)
    session.get_component('response_parser_factory').set_parser_defaults(timestamp_parser=parse_timestamp)
    return session
