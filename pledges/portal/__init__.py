"""The member portal: a member user's dashboard, profile, team and pledges (/portal/)."""
