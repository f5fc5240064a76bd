from django.contrib import admin

from patients.models import Patient, PatientDeviceLink


class PatientDeviceLinkInline(admin.TabularInline):
    model = PatientDeviceLink
    extra = 0
    autocomplete_fields = ("device",)
    readonly_fields = ("created_at",)


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ("patient_number", "name", "owner", "created_at")
    list_filter = ("created_at", "owner__is_staff")
    search_fields = ("patient_number", "name", "owner__username", "devices__serial_number")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [PatientDeviceLinkInline]


@admin.register(PatientDeviceLink)
class PatientDeviceLinkAdmin(admin.ModelAdmin):
    list_display = ("patient", "device", "created_at")
    search_fields = ("patient__patient_number", "patient__name", "device__serial_number")
    list_select_related = ("patient", "device")
    autocomplete_fields = ("patient", "device")
