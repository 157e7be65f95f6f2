"""Import every model module so SQLAlchemy and Alembic see all tables."""

from eoffice.auth import models as auth_models  # noqa: F401
from eoffice.casefiles import models as casefiles_models  # noqa: F401
from eoffice.catalog import models as catalog_models  # noqa: F401
from eoffice.core import models as core_models  # noqa: F401
from eoffice.directives import models as directives_models  # noqa: F401
from eoffice.exchange import checks_models  # noqa: F401
from eoffice.exchange import models as exchange_models  # noqa: F401
from eoffice.incoming import models as incoming_models  # noqa: F401
from eoffice.incoming import readers as incoming_readers  # noqa: F401
from eoffice.jobs import models as jobs_models  # noqa: F401
from eoffice.notifications import models as notifications_models  # noqa: F401
from eoffice.orgs import models as orgs_models  # noqa: F401
from eoffice.outgoing import models as outgoing_models  # noqa: F401
from eoffice.reports import models as reports_models  # noqa: F401
from eoffice.search import models as search_models  # noqa: F401
from eoffice.signing import models as signing_models  # noqa: F401
