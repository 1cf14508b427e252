"""The Administration API (``/v1/organization/...``): one consistent, stateful
organization that the SDK's ``client.admin.organization`` drives with an admin key.

Every admin route needs an admin key (``sk-admin-...``, which the SDK sends from
``admin_api_key=`` / ``OPENAI_ADMIN_KEY``); :mod:`mockapi.wire.credentials` decides
that, before any handler here runs. Everything the routes create lives in the state
store under kinds named ``admin.<resource>`` (:mod:`.org`), which are never evicted.

The package is split by concern (and was written by three hands at once):

* shared pieces, used by every family: :mod:`.org` (the organization's id, kind names,
  the admin list styles :func:`.org.page`, the API's 404 :func:`.org.not_found`, the
  acting admin key :func:`.org.actor`, the seeded owner and default project) and
  :func:`.audit.audit` (records an audit log event for every admin action);
  :mod:`.routes` collects every family's ``ENDPOINTS`` into one tuple that
  :mod:`mockapi.replay.router` registers;
* the core organization: projects (:mod:`.projects`), users and invites
  (:mod:`.users`, :mod:`.invites`), roles and role assignments (:mod:`.roles`,
  :mod:`.assignments`), groups (:mod:`.groups`), a project's users and groups
  (:mod:`.project_members`);
* keys and settings: admin API keys, a project's API keys, service accounts and their
  keys, certificates, data retention, external keys and storage, workload identity
  providers, hosted tool and model permissions, service tier settings, spend alerts
  and limits, health alert rules (:mod:`.keys`, :mod:`.service_accounts`,
  :mod:`.certificates`, ``settings*`` ...);
* what the mock observed: audit logs (:mod:`.audit`), usage and costs computed from
  the journal of requests the mock answered (``usage*``, :mod:`.costs`), and project
  rate limits, enforced on the requests made with a project's keys
  (:mod:`.rate_limits`).
"""
