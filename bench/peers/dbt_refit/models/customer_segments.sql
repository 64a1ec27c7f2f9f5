-- Each customer with their cluster, map position and features: the starters' mart.
select
    customers.*,
    clusters.cluster_id,
    clusters.pca_x,
    clusters.pca_y
from {{ ref("stg_customers") }} as customers
inner join {{ ref("customer_clusters") }} as clusters
    on customers.customer_id = clusters.customer_id
