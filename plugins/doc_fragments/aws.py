# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options of every AWS module (module_utils/aws.py).
    DOCUMENTATION = r'''
options:
  region:
    description:
      - The AWS region, for example C(us-east-1).
      - Falls back to the E(AWS_REGION) or E(AWS_DEFAULT_REGION) environment variables, then to the profile's region.
    type: str
    aliases: [aws_region]
  profile:
    description:
      - A named profile from the AWS shared credentials/config files.
      - Falls back to E(AWS_PROFILE). Ignored when O(access_key) is given.
    type: str
    aliases: [aws_profile]
  endpoint_url:
    description:
      - Send the module's API calls to this URL instead of the public AWS endpoint, for example an emulator on
        C(http://127.0.0.1:5000). It applies to every service the module calls.
      - Left out, botocore chooses per service as the AWS CLI does, E(AWS_ENDPOINT_URL_<SERVICE>) for that service
        (E(AWS_ENDPOINT_URL_EC2), E(AWS_ENDPOINT_URL_RDS), E(AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2),
        E(AWS_ENDPOINT_URL_ACM), E(AWS_ENDPOINT_URL_ELASTICACHE), E(AWS_ENDPOINT_URL_STS)), then E(AWS_ENDPOINT_URL)
        for all, then the profile's C(endpoint_url), then AWS's own endpoint.
    type: str
    aliases: [aws_endpoint_url]
  aws_ca_bundle:
    description:
      - The CA bundle to verify the endpoint's TLS certificate with (a PEM file), as amazon.aws takes it.
      - Falls back to E(AWS_CA_BUNDLE), then the profile's C(ca_bundle). Ignored with O(validate_certs=false).
    type: path
    version_added: 0.2.0
  aws_config:
    description:
      - Parameters of botocore's C(Config) for every client of the module (for example C(proxies), C(connect_timeout),
        C(read_timeout)), as amazon.aws takes them.
      - Retries are the collection's own (O(max_attempts)); a C(retries) given here is ignored.
    type: dict
    version_added: 0.2.0
  access_key:
    description:
      - AWS access key id. Falls back to E(AWS_ACCESS_KEY_ID). Must be given together with O(secret_key).
    type: str
    aliases: [aws_access_key_id]
  secret_key:
    description:
      - AWS secret access key. Falls back to E(AWS_SECRET_ACCESS_KEY).
    type: str
    aliases: [aws_secret_access_key]
  session_token:
    description:
      - Session token for temporary credentials. Falls back to E(AWS_SESSION_TOKEN).
    type: str
    aliases: [aws_session_token]
  validate_certs:
    description:
      - Verify the TLS certificate of the endpoint (with O(aws_ca_bundle) when given).
    type: bool
    default: true
  max_attempts:
    description:
      - How many times one API call is tried when AWS answers with throttling or a 5xx error (full-jitter exponential backoff).
      - A read, or a create that carries a client token, is also retried when its answer is lost.
    type: int
    default: 8
notes:
  - Every API call goes through one retry policy; the module never creates more than one session.
  - Use O(endpoint_url) and C(module_defaults) with the C(group/seed.laravel_aws.aws) action group to set these once per play.
requirements:
  - python >= 3.9
  - boto3 >= 1.34
  - botocore >= 1.34
'''

    OWNER = r'''
options:
  stack:
    description:
      - The stack the resource belongs to (the stack-name rule applies).
      - When given, a resource found by its name is changed or deleted only when its C(Stack) tag is this stack; one
        tagged with another stack, or with none, is refused before any change, naming both, and nothing is changed.
      - A resource the module creates is tagged C(Stack=<stack>).
      - The collection's playbooks always give it. Without it the module acts on whatever it finds by name, as other
        AWS modules do.
    type: str
    version_added: 0.2.0
'''

    TAGS = r'''
options:
  tags:
    description:
      - Tags to set on the resource, as a dictionary.
      - The C(Name) tag is managed by the module from O(name) where the module has one.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove tags that are on the resource but not in O(tags).
      - Tags starting with C(aws:) are never removed. When O(tags) is not given, tags are left alone.
    type: bool
    default: true
'''

    STATE = r'''
options:
  state:
    description:
      - V(present) creates the resource or brings it to the options given; options left out are left as they are.
      - V(absent) deletes it; one that is not there is no change.
    type: str
    choices: [present, absent]
    default: present
'''

    WAITS = r'''
options:
  wait:
    description:
      - Wait until AWS reports the resource in the state asked for (or gone, with O(state=absent)), up to O(wait_timeout).
      - Without it the module returns once AWS has taken the request.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for, with O(wait); the error on timeout names the state last seen.
    type: int
    default: 600
'''

    ATTRIBUTES = r'''
attributes:
  check_mode:
    support: full
    description: Reports what would change and changes nothing (reads only); an id that would be made is null.
  diff_mode:
    support: full
    description: Returns the resource before and after.
'''
