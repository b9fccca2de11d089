"""CreateImage of a data-plane instance: an AMI whose instances boot the instance's disk as it was when the image was
made, as EC2 makes one (the baked image of an Auto Scaling group's web tier).

What AWS does ("Create an Amazon EBS-backed AMI", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/creating-an-ami-ebs.html;
API_CreateImage.html, API_DeregisterImage.html), and what stands in for it here:

- "By default, Amazon EC2 shuts down and reboots the instance" so that the file system is consistent (``NoReboot``
  false); with ``NoReboot`` true the image is taken from the running file system. Here the instance's container is
  stopped (unless NoReboot), committed to a local image (``seed/ami-made:<ami id>``), and started again; the instance's
  API state stays ``running`` (a reboot), its SSH ports are read again once it has booted.
- The AMI is ``pending`` until its snapshots are complete, then ``available`` (``failed`` if it could not be made).
  Here: pending until the commit is done. Its instances run the committed image with the source AMI's login user.
- DeregisterImage: no new instance can be launched from it; instances launched from it keep running. Here the local
  image is removed once no container uses it (else when the data plane is cleaned).
- An image carries what the instance had on disk, cloud-init's per-instance state among it; cloud-init runs its
  per-instance work again for a new instance id: host keys made anew, the new instance's user data run
  (https://cloudinit.readthedocs.io/en/latest/explanation/boot.html, "first boot"). The AMIs' stand-in
  (emulator/ami/seed-cloud-init) keys its state by instance id as cloud-init does.
An instance without a container (no local image for its AMI) makes an AMI of the API only, as before.
"""

import re
import threading

from emulator import amis
from emulator.dataplane import docker
from emulator.server import Hook, ec2_backend

LABEL = 'seed.emulator-image'
REPOSITORY = 'seed/ami-made'


class Images(Hook):
    """CreateImage and DeregisterImage on the data plane (see the module's docstring)."""

    def __init__(self, dataplane, log=None):
        self.dataplane = dataplane
        self.log = log or (lambda msg: None)
        self.threads = []

    def after(self, action, form, payload, region):
        if action == 'CreateImage':
            match = re.search(r'<imageId>(ami-[0-9a-f]+)</imageId>', payload.decode('utf-8', 'replace'))
            if match:
                self.create(region, form.get('InstanceId'), match.group(1), str(form.get('NoReboot', 'false')).lower() == 'true')
        elif action == 'DeregisterImage':
            self.deregister(region, form.get('ImageId'))
        return payload

    def reset(self):
        self.clean()

    def create(self, region, instance_id, ami_id, no_reboot):
        ec2 = ec2_backend(region)
        entry = self.dataplane.instances.get(instance_id)
        ami = ec2.amis.get(ami_id) if ec2 is not None else None
        try:
            source = amis.by_id(region).get(ec2.get_instance(instance_id).image_id)
        except Exception:  # pylint: disable=broad-except
            source = None
        if ami is None or entry is None or entry.get('state') != 'running' or source is None:
            self.log('images: %s of %s is an API record only (no running container)' % (ami_id, instance_id))
            return
        ami.state = 'pending'
        thread = threading.Thread(target=self._make, args=(region, entry, ami, source, no_reboot), daemon=True)
        self.threads.append(thread)
        thread.start()

    def _make(self, region, entry, ami, source, no_reboot):
        tag = '%s:%s' % (REPOSITORY, ami.id)
        try:
            if not no_reboot:
                with self.dataplane.lock:
                    entry['state'] = 'rebooting'
                    self.dataplane.write_state()
                docker('stop', entry['container'], timeout=180)
            docker('commit', '--change', 'LABEL %s=%s' % (LABEL, ami.id), entry['container'], tag, timeout=600)
            amis.add_made(region, ami.id, {'name': ami.name, 'container_image': tag, 'login_user': source['login_user']})
            ami.state = 'available'
            self.log('images: %s made from %s (%s)' % (ami.id, entry['id'], tag))
        except Exception as exc:  # pylint: disable=broad-except
            ami.state = 'failed'
            self.log('images: %s from %s failed: %s' % (ami.id, entry['id'], exc))
        finally:
            if not no_reboot:
                self._boot_again(entry)

    def _boot_again(self, entry):
        try:
            docker('start', entry['container'])
            self.dataplane._wait_booted(entry)  # pylint: disable=protected-access
            self.dataplane._read_ports(entry)  # pylint: disable=protected-access
            state = 'running'
        except Exception as exc:  # pylint: disable=broad-except
            state = 'failed'
            entry['error'] = str(exc)
            self.log('images: %s did not boot again after its image: %s' % (entry['id'], exc))
        with self.dataplane.lock:
            entry['state'] = state
            self.dataplane.write_state()

    def deregister(self, region, ami_id):
        made = amis.remove_made(region, ami_id)
        if made:
            docker('rmi', made['container_image'], check=False)  # refused while a container uses it: clean() then

    def clean(self):
        amis.remove_made()
        for image in docker('images', '-q', '--filter', 'label=%s' % LABEL, check=False).split():
            docker('rmi', '-f', image, check=False)
