"""The images the emulator offers beside moto's own: Debian 12 and 13 as Debian publishes them on
AWS (owner 136693071363, names debian-<major>-amd64-<date>-<build>), each mapped to the local
image that its instances run as containers (scripts/images.sh builds them), with the login user
of Debian's AMIs. The ids are derived from region and name, so they are stable across restarts.
The images CreateImage makes of a data-plane instance (emulator.images) are added while they exist.
"""

import hashlib
import threading

DEBIAN_OWNER = '136693071363'

IMAGES = [
    {'name': 'debian-12-amd64-20250520-2118', 'description': 'Debian 12 (20250520-2118)',
     'container_image': 'seed/ami-debian:12', 'login_user': 'admin'},
    {'name': 'debian-13-amd64-20250815-2206', 'description': 'Debian 13 (20250815-2206)',
     'container_image': 'seed/ami-debian:13', 'login_user': 'admin'},
]


def image_id(region, name):
    return 'ami-0' + hashlib.sha256(('%s/%s' % (region, name)).encode()).hexdigest()[:16]


_MADE = {}  # (region, ami id) -> {'name', 'container_image', 'login_user'}
_LOCK = threading.Lock()


def by_id(region):
    out = dict((image_id(region, i['name']), i) for i in IMAGES)
    with _LOCK:
        out.update((ami, dict(image)) for (where, ami), image in _MADE.items() if where == region)
    return out


def add_made(region, ami_id, image):
    with _LOCK:
        _MADE[(region, ami_id)] = dict(image)


def remove_made(region=None, ami_id=None):
    """Forget one made image (returned), or all of them (no arguments)."""
    with _LOCK:
        if region is None:
            _MADE.clear()
            return None
        return _MADE.pop((region, ami_id), None)


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
