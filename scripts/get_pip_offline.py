"""Offline stand-in for get-pip.py, used by ansible-test (see scripts/setup.sh).

ansible-test runs ``python get_pip.py <pip args>`` to bootstrap pip in the
virtual environments it creates. The real script embeds a pip wheel fetched
from the internet; here ensurepip provides pip and then pip installs what was
asked for from the package index.
"""
import subprocess
import sys

DROP = {'--no-setuptools', '--no-wheel'}

subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'])
args = [a for a in sys.argv[1:] if a not in DROP]
if args:
    subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--disable-pip-version-check'] + args)
