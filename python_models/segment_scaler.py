"""Standardization of the segmentation features: everything needed to z-score a customer."""

from bank_segments.segment_models import config_names, read_features, scaler_table
from bank_segments.segmentation import fit_scaler


def model(dbt, session):
    features = config_names(dbt.config.get("segment_features"), "segment_features")
    log1p_features = config_names(dbt.config.get("log1p_features"), "log1p_features")
    _, values = read_features(dbt.ref("int_customer_features"), features)
    return scaler_table(fit_scaler(values, features, log1p_features))
