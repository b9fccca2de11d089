"""The images the emulator offers beside moto's own: Debian 12 and 13 as Debian publishes them on
AWS (owner 136693071363, names debian-<major>-amd64-<date>-<build>), each mapped to the local
image that its instances run as containers (scripts/images.sh builds them), with the login user
of Debian's AMIs. The ids are derived from region and name, so they are stable across restarts.
"""

import hashlib

DEBIAN_OWNER = '136693071363'

IMAGES = [
    {'name': 'debian-12-amd64-20250520-2118', 'description': 'Debian 12 (20250520-2118)',
     'container_image': 'seed/ami-debian:12', 'login_user': 'admin'},
    {'name': 'debian-13-amd64-20250815-2206', 'description': 'Debian 13 (20250815-2206)',
     'container_image': 'seed/ami-debian:13', 'login_user': 'admin'},
]


def image_id(region, name):
    return 'ami-0' + hashlib.sha256(('%s/%s' % (region, name)).encode()).hexdigest()[:16]


def by_id(region):
    return dict((image_id(region, i['name']), i) for i in IMAGES)


def register(backend, region):
    """Add the images to one region's moto backend (again after a reset)."""
    from moto.ec2.models.amis import Ami
    for image in IMAGES:
        ami_id = image_id(region, image['name'])
        if ami_id in backend.amis:
            continue
        backend.amis[ami_id] = Ami(
            backend, ami_id, name=image['name'], description=image['description'], owner_id=DEBIAN_OWNER,
            public=True, virtualization_type='hvm', architecture='x86_64', hypervisor='xen',
            root_device_type='ebs', root_device_name='/dev/xvda', image_location='%s/%s' % (DEBIAN_OWNER, image['name']),
            region_name=region, boot_mode='uefi-preferred')
