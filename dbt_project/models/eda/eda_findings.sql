-- The EDA claims, each tested against the data: statistic, value, threshold, verdict.
-- The claims live in the eda_finding_rules seed, so a bank can add its own.
with

rules as (

    select * from {{ ref('eda_finding_rules') }}

),

correlations as (

    select * from {{ ref('eda_correlations') }}

),

-- a rule may name its pair in either order
measured as (

    select
        rules.*,
        correlations.pearson_r,
        correlations.n

    from rules
    left join correlations
        on
            (
                rules.feature_x = correlations.feature_x
                and rules.feature_y = correlations.feature_y
            )
            or (
                rules.feature_x = correlations.feature_y
                and rules.feature_y = correlations.feature_x
            )

),

valued as (

    select
        *,
        case statistic
            when 'pearson_r' then pearson_r
            when 'abs_pearson_r' then abs(pearson_r)
        end as statistic_value

    from measured

),

final as (

    select
        finding_id,
        finding,
        feature_x,
        feature_y,
        statistic,
        statistic_value,
        comparator,
        threshold,
        n,
        coalesce(
            case comparator
                when '<' then statistic_value < threshold
                when '<=' then statistic_value <= threshold
                when '>' then statistic_value > threshold
                when '>=' then statistic_value >= threshold
            end,
            false
        ) as supported

    from valued

)

select * from final
