#!/usr/bin/env python3
"""Writes an event fixture in the shape `sam local generate-event` writes,
starting from the real samples in ../shared/fixtures/sam-events (copied into
events/_samples for a clean checkout), changing only what a request changes.

  scripts/make-fixture.py proxy FN CASE METHOD RESOURCE PATH [k=v query...] [--param id=..] [--body JSON] [--header K:V]
      [--authorizer-context '{"userId": "usr_...", "method": "session", "permissions": "read,write"}']
  scripts/make-fixture.py authorizer authorizer CASE METHOD RESOURCE PATH [--header K:V]

--authorizer-context sets requestContext.authorizer of a proxy event: what
API Gateway passes a function after the authorizer allowed the request (the
authorizer's context, every value a string, plus principalId = userId).
Without it the event is one that never met the authorizer, as on a public
route.
"""
import argparse, base64, copy, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.join(HERE, '..', 'events', '_samples')


def load(name):
    with open(os.path.join(SAMPLES, name)) as f:
        return json.load(f)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('kind', choices=['proxy', 'authorizer'])
    p.add_argument('fn')
    p.add_argument('case')
    p.add_argument('method')
    p.add_argument('resource')
    p.add_argument('path')
    p.add_argument('query', nargs='*')
    p.add_argument('--param', action='append', default=[])
    p.add_argument('--header', action='append', default=[])
    p.add_argument('--body')
    p.add_argument('--authorizer-context', type=json.loads)
    a = p.parse_args()
    if a.authorizer_context is not None and a.kind != 'proxy':
        p.error('--authorizer-context is for proxy events')
    params = dict(kv.split('=', 1) for kv in a.param) or None
    query = dict(kv.split('=', 1) for kv in a.query) or None
    extra = dict(kv.split(':', 1) for kv in a.header)

    if a.kind == 'proxy':
        e = load('apigateway-rest-api-aws-proxy.json')
        e['resource'] = a.resource
        e['path'] = a.path
        e['httpMethod'] = a.method
        e['queryStringParameters'] = query
        e['multiValueQueryStringParameters'] = {k: [v] for k, v in query.items()} if query else None
        e['pathParameters'] = params
        e['stageVariables'] = None
        e['headers']['Host'] = 'api.example.com'
        e['multiValueHeaders']['Host'] = ['api.example.com']
        for k, v in extra.items():
            e['headers'][k] = v
            e['multiValueHeaders'][k] = [v]
        if a.body is None:
            e['body'] = None
            e['isBase64Encoded'] = False
        else:
            e['body'] = base64.b64encode(a.body.encode()).decode()
            e['isBase64Encoded'] = True
        rc = e['requestContext']
        rc['resourcePath'] = a.resource
        rc['httpMethod'] = a.method
        rc['path'] = '/prod' + a.path
        if a.authorizer_context is not None:
            ctx = a.authorizer_context
            if not all(isinstance(v, str) for v in ctx.values()):
                p.error('--authorizer-context values must be strings, as the authorizer passes them')
            rc['authorizer'] = {'principalId': ctx.get('userId', 'anonymous'), **ctx}
    else:
        e = load('apigateway-rest-authorizer-request.json')
        e['methodArn'] = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/%s%s' % (a.method, a.path)
        e['resource'] = a.resource
        e['path'] = a.path
        e['httpMethod'] = a.method
        e['headers'] = {'Accept': 'application/json', 'Host': 'api.example.com', 'User-Agent': 'curl/8.5.0', **extra}
        e['multiValueHeaders'] = {k: [v] for k, v in e['headers'].items()}
        e['queryStringParameters'] = query or {}
        e['multiValueQueryStringParameters'] = {k: [v] for k, v in (query or {}).items()}
        e['pathParameters'] = params or {}
        e['stageVariables'] = {}
        rc = e['requestContext']
        rc['path'] = '/prod' + a.path
        rc['stage'] = 'prod'
        rc['resourcePath'] = a.resource
        rc['httpMethod'] = a.method
        rc['requestId'] = 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef'
        rc['identity']['sourceIp'] = '203.0.113.7'
        rc['identity']['apiKey'] = ''
    out = os.path.join(HERE, '..', 'events', a.fn, a.case + '.json')
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, 'w') as f:
        json.dump(e, f, indent=2)
        f.write('\n')
    print(os.path.relpath(out))


if __name__ == '__main__':
    main()
