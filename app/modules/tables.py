"""Importing this module registers every feature's tables with the one metadata (app, migrations, tests)."""
from app.modules.accounts import models as accounts  # noqa: F401
from app.modules.appointments import models as appointments  # noqa: F401
from app.modules.audit import models as audit  # noqa: F401
from app.modules.billing import models as billing  # noqa: F401
from app.modules.catalogue import models as catalogue  # noqa: F401
from app.modules.customers import models as customers  # noqa: F401
from app.modules.intake import models as intake  # noqa: F401
from app.modules.notifications import models as notifications  # noqa: F401
from app.modules.platform import models as platform  # noqa: F401
from app.modules.resources import models as resources  # noqa: F401
from app.modules.schedules import models as schedules  # noqa: F401
from app.modules.tenants import models as tenants  # noqa: F401
from app.modules.waitlist import models as waitlist  # noqa: F401
