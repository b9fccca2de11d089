"""Make the collection importable as ansible_collections.seed.laravel_aws.

scripts/setup.sh links .collections/ansible_collections/seed/laravel_aws to the
checkout; under ansible-test the collection already sits on such a path.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.sep + os.path.join('ansible_collections', 'seed', 'laravel_aws') in ROOT:
    sys.path.insert(0, ROOT.split(os.sep + 'ansible_collections' + os.sep)[0])
else:
    sys.path.insert(0, os.path.join(ROOT, '.collections'))
