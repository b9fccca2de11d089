"""The composer role's installer path (issue 19, finding 11): a private temporary directory, removed afterwards.

Structure only (the installer path needs PHP and root; Molecule runs it on a host): the installer is fetched
into a directory made by tempfile (0700, a new name each run) and that directory is removed in an always.
"""
import os

import yaml

from .conftest import ROOT


def test_the_installer_goes_to_a_private_directory_and_is_removed():
    main = yaml.safe_load(open(os.path.join(ROOT, 'roles/composer/tasks/installer.yml')))
    text = open(os.path.join(ROOT, 'roles/composer/tasks/installer.yml')).read()
    assert '/tmp/composer-setup.php' not in text
    # main.yml runs it only on the installer's way
    included = [t for t in yaml.safe_load(open(os.path.join(ROOT, 'roles/composer/tasks/main.yml')))
                if t.get('ansible.builtin.include_tasks') == 'installer.yml']
    assert len(included) == 1 and included[0]['when'] == "composer_method == 'installer'"
    block = [t for t in main if 'block' in t][0]
    kinds = [next(k for k in t if k.startswith('ansible.builtin.')) for t in block['block']]
    assert kinds[0] == 'ansible.builtin.tempfile' and block['block'][0]['ansible.builtin.tempfile']['state'] == 'directory'
    assert 'composer_tmp.path' in block['block'][1]['ansible.builtin.get_url']['dest']
    assert block['always'][0]['ansible.builtin.file']['state'] == 'absent'
    assert 'composer_tmp.path' in block['always'][0]['ansible.builtin.file']['path']
