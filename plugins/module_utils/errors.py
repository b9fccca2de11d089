# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turning AWS errors into one clear ``fail_json``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import error_code, is_lost_answer

try:
    from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError
except ImportError:
    ClientError = NoCredentialsError = NoRegionError = None


class ValidationError(Exception):
    """Bad input, found before any API call. ``field`` names the option."""

    def __init__(self, field, message):
        super(ValidationError, self).__init__('%s: %s' % (field, message))
        self.field = field
        self.message = message


def describe_error(exc, operation=None):
    """(message, details) for an exception raised by boto3."""
    details = {}
    if operation:
        details['operation'] = operation
    if ClientError is not None and isinstance(exc, ClientError):
        err = exc.response.get('Error', {})
        details['error'] = {'code': err.get('Code'), 'message': err.get('Message')}
        meta = exc.response.get('ResponseMetadata', {})
        if meta.get('RequestId'):
            details['request_id'] = meta['RequestId']
        text = '%s (%s)' % (err.get('Message') or str(exc), err.get('Code'))
    elif NoCredentialsError is not None and isinstance(exc, NoCredentialsError):
        text = ('no AWS credentials found: set access_key/secret_key, profile, '
                'or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY environment variables')
    elif NoRegionError is not None and isinstance(exc, NoRegionError):
        text = 'no region given: set region or the AWS_REGION environment variable'
    elif is_lost_answer(exc):
        text = 'the answer was lost (%s); run again: the module finds what the call made' % exc
        details['error'] = {'code': 'LostAnswer', 'message': str(exc)}
    else:
        text = str(exc)
    return text, details


def fail_aws(module, exc, operation=None, msg=None):
    """fail_json naming the operation, the AWS error code and its message."""
    text, details = describe_error(exc, operation)
    prefix = msg or ('%s failed' % operation if operation else 'AWS call failed')
    module.fail_json(msg='%s: %s' % (prefix, text), exception=traceback.format_exc(), **details)


__all__ = ['ValidationError', 'describe_error', 'fail_aws', 'error_code']
