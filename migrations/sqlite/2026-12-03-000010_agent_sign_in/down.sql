DROP TABLE agent_sign_in;
