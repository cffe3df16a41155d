"""Desk settings (prefix ``DELOVOD_DESK_``)."""
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class DeskSettings(ServiceSettings):
    """Settings of the desk, the staff's web workspace."""

    model_config = SettingsConfigDict(env_prefix="DELOVOD_DESK_", frozen=True)

    http_port: int = Field(8005, description="HTTP port of the staff's web workspace")
    mongo_uri: str = Field("mongodb://127.0.0.1:27017/desk", description="MongoDB URI of the desk's own database (sessions)")
    registry_url: str = Field("http://127.0.0.1:8001", description="Base URL of the registry's HTTP API")
    status_url: str = Field("http://127.0.0.1:8002", description="Base URL of the status service's HTTP API")
    notifications_url: str = Field("http://127.0.0.1:8003", description="Base URL of the notifications service's HTTP API (its dead notifications, for the operators' page)")
    catalogue_url: str = Field("http://127.0.0.1:8004", description="Base URL of the catalogue's HTTP API")
    service_timeout_s: float = Field(15.0, gt=0, description="How long the desk waits for another service's answer before it tells the person that service is down")
    ldap_url: str = Field("ldap://127.0.0.1:3890", description="The directory staff sign in with (Active Directory in a municipality; OpenLDAP locally)")
    ldap_bind_name: str = Field("uid={username},ou=people,dc=delovod,dc=local", description="Name a person binds as; {username} is the name they typed (escaped): a DN for OpenLDAP, `{username}@<domain>` for Active Directory")
    ldap_users_base: str = Field("ou=people,dc=delovod,dc=local", description="Where the person's entry is searched after the bind (for its DN and display name)")
    ldap_username_attribute: str = Field("uid", description="Attribute holding the username (`sAMAccountName` in Active Directory)")
    ldap_groups_base: str = Field("ou=groups,dc=delovod,dc=local", description="Where the role groups are searched (groupOfNames, or group in Active Directory, with member=<the person's DN>)")
    ldap_role_groups: str = Field("clerks=clerk,officials=official,admins=admin", description="Directory group (cn) = role, comma-separated; a person in several gets the strongest (admin, official, clerk)")
    ldap_timeout_s: float = Field(5.0, gt=0, description="Connect and answer timeout of the directory, in seconds")
    session_idle_minutes: int = Field(30, ge=1, description="A session unused this long is over; the person signs in again")
    cookie_secure: bool = Field(False, description="Send the session cookie only over HTTPS (true everywhere but on a developer's machine)")
    token_ttl_s: int = Field(120, ge=10, le=3600, description="Lifetime of the staff token the desk signs for each call to a service on a person's behalf")
    signin_failures_per_username_and_client: int = Field(5, ge=1, description="Failed sign-ins allowed per username from one client address in the window")
    signin_failures_per_username: int = Field(50, ge=1, description="Failed sign-ins allowed per username from all clients together in the window (the directory's own lockout policy is the last word)")
    signin_failures_per_client: int = Field(20, ge=1, description="Failed sign-ins allowed per client address in the window")
    signin_window_minutes: int = Field(15, ge=1, description="The window of those limits, in minutes")
    upload_origin: str = Field("http://127.0.0.1:8333", pattern=r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$", description="The object store's origin as clerks' browsers reach it (the registry's DELOVOD_REGISTRY_S3_PUBLIC_ENDPOINT): the register form's script uploads scans there, so the pages' CSP allows connecting to it; scheme://host[:port] only, since it is written into that policy")
    upload_parts_above_mb: int = Field(8, ge=5, description="A scan larger than this (MB) is uploaded from the browser in parts, which resume after a dropped connection; smaller ones in one request")
    upload_part_mb: int = Field(5, ge=5, le=100, description="Size of each part of a scan uploaded in parts, in MB (S3 needs at least 5 for every part but the last)")
