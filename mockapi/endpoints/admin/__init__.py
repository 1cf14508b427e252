"""The Administration API (``/v1/organization/...``): one consistent, stateful
organization that the SDK's ``client.admin.organization`` drives with an admin key.

Every admin route needs an admin key (``sk-admin-...``, which the SDK sends from
``admin_api_key=`` / ``OPENAI_ADMIN_KEY``); :mod:`mockapi.wire.credentials` decides
that, before any handler here runs. Everything the routes create lives in the state
store under kinds named ``admin.<resource>`` (:mod:`.org`), which are never evicted.

The package is split by concern:

* shared pieces, used by every family: :mod:`.org` (the organization's id, kind names,
  ids, the admin list styles :func:`.org.page`, the API's 404 :func:`.org.not_found`,
  memberships, the acting admin key :func:`.org.actor`, the seeded owner and default
  project), :func:`.audit.audit` (records an audit log event for every admin action)
  and :mod:`.routes`, which collects every family's ``ENDPOINTS`` into the one tuple
  :mod:`mockapi.replay.router` registers (a new family appends its line there);
* the core organization: projects (:mod:`.projects`), users and invites
  (:mod:`.users`, :mod:`.invites`: an invite is accepted one step after it is sent),
  roles and role assignments (:mod:`.roles`, :mod:`.assignments`), groups
  (:mod:`.groups`), a project's users and groups (:mod:`.project_members`), and what
  removing one of them takes with it (:mod:`.cascade`);
* keys and settings: the secrets the API issues and their owners (:mod:`.keys`), admin
  API keys, a project's API keys, service accounts and their keys
  (:mod:`.admin_keys`, :mod:`.project_keys`, :mod:`.service_accounts`,
  :mod:`.scoped`), certificates (:mod:`.certificates`, :mod:`.pem`), data retention,
  hosted tool and model permissions, service tier settings (:mod:`.settings`),
  external keys and storage (:mod:`.external`), workload identity providers
  (:mod:`.workload_identity`), spend alerts and limits (:mod:`.spend`), health alert
  rules (:mod:`.health`);
* what the mock observed: audit logs (:mod:`.audit`), usage and costs computed from the
  requests the mock answered (:mod:`.ledger`, :mod:`.buckets`, :mod:`.usage`,
  :mod:`.costs`, priced by ``prices.json``), and project rate limits, enforced on the
  requests made with a project's keys (:mod:`.rate_limits`).
"""
