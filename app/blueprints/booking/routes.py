from app.blueprints.booking import bp
from app.blueprints.loading import get_or_404
from app.catalogue import active_locations, offered_by, services_by_category
from app.models import Service
from app.rendering import render
from app.sites import current_tenant


@bp.get("/")
def home():
    return render(
        "booking/home.html",
        tenant=current_tenant,
        locations=active_locations(),
        categories=services_by_category(),
    )


@bp.get("/services/<int:service_id>")
def service(service_id: int):
    service = get_or_404(Service, service_id, active_only=True)
    return render("booking/service.html", tenant=current_tenant, service=service, providers=offered_by(service))
