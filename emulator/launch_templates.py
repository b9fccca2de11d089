"""EC2 launch templates as AWS keeps them where moto does not (patch_launch_templates(), from emulator.fidelity's
patch_moto: the emulator's server in both profiles, and a unit test's in-process moto).

- CreateLaunchTemplateVersion with SourceVersion: "If you specify this parameter, the new version inherits the launch
  parameters from the source version. If you specify additional launch parameters for the new version, they overwrite
  the corresponding launch parameters of the source version"
  (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html). moto ignores
  SourceVersion: the new version held only what the request gave. A SourceVersion the template does not have answers
  InvalidLaunchTemplateId.VersionNotFound, as AWS does.
- CreateLaunchTemplate's TagSpecifications (resource type launch-template) tag the template, never what it launches:
  moto copied them into version 1's LaunchTemplateData, where AWS takes only the types of what a launch makes
  (instance, volume, network-interface, spot-instances-request,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateTagSpecificationRequest.html), so a version
  made from it would be refused by AWS and its instances tagged as the template.
- DescribeLaunchTemplates answers the template's tags as they are now (after CreateTags or DeleteTags on its lt- id);
  moto answered the ones it was created with for ever.
- A version's user data is kept as moto keeps a launch's (base64 checked), whichever call made the version: moto
  checked it only on CreateLaunchTemplate, and read back a later version's as text it then refuses to launch from.
"""

import copy
import threading

_LOCAL = threading.local()


def patch_launch_templates():
    from moto.ec2.models import launch_templates as models
    from moto.ec2.responses import launch_templates as responses
    from moto.ec2.utils import parse_user_data
    template_class = models.LaunchTemplate
    if getattr(template_class, 'seed_patched', False):
        return
    template_class.seed_patched = True

    template_class.tags = property(lambda self: self.get_tags(), lambda self, value: None)

    create_version = template_class.create_version

    def create_version_as_aws(self, data, description):
        base, _LOCAL.base = getattr(_LOCAL, 'base', None), None
        data = dict(data or {})
        if base is not None:
            base.update(data)
            data = base
        if data.get('UserData') is not None and not isinstance(data['UserData'], type(parse_user_data('AA=='))):
            data['UserData'] = parse_user_data(data['UserData'])
        return create_version(self, data, description)
    template_class.create_version = create_version_as_aws

    create_template = models.LaunchTemplateBackend.create_launch_template

    def create_template_as_aws(self, name, description, template_data, tag_spec):
        template = create_template(self, name, description, template_data, tag_spec)
        data = template.versions[0].data
        specs = [s for s in data.get('TagSpecifications') or [] if s.get('ResourceType') != 'launch-template']
        if specs:
            data['TagSpecifications'] = specs
        else:
            data.pop('TagSpecifications', None)
        return template
    models.LaunchTemplateBackend.create_launch_template = create_template_as_aws

    answer_version = responses.LaunchTemplates.create_launch_template_version

    def create_launch_template_version(self):
        source = self._get_param('SourceVersion')
        _LOCAL.base = None
        if source:
            name, tid = self._get_param('LaunchTemplateName'), self._get_param('LaunchTemplateId')
            template = self.ec2_backend.get_launch_template_by_name(name) if name else self.ec2_backend.get_launch_template(tid)
            _LOCAL.base = copy.deepcopy(template.get_version(source).data)  # InvalidLaunchTemplateId.VersionNotFound
        try:
            return answer_version(self)
        finally:
            _LOCAL.base = None
    responses.LaunchTemplates.create_launch_template_version = create_launch_template_version
