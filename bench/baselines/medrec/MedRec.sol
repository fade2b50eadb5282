// SPDX-License-Identifier: Apache-2.0
// MedRec's contract design, written for the benchmark baseline: a Registrar mapping
// identity strings to Ethereum addresses and keys, one Summary per patient listing that
// patient's relationships, and one PatientProviderRelationship per patient and provider
// holding record pointers (query strings), record hashes and viewing permissions.
// Organization admins act as registrars, as the four medchain organization admins do.
pragma solidity ^0.8.20;

contract PatientProviderRelationship {
    struct RecordPointer {
        string query;
        bytes32 hash;
    }

    address public immutable registrar;
    address public immutable provider;
    string public patientId;
    RecordPointer[] private records;
    mapping(address => bool) public viewers;

    event RecordAdded(uint256 index, bytes32 hash);
    event PermissionChanged(address viewer, bool allowed);

    constructor(address registrarAddress, address providerAddress, string memory patient) {
        registrar = registrarAddress;
        provider = providerAddress;
        patientId = patient;
    }

    modifier onlyProvider() {
        require(msg.sender == provider || msg.sender == registrar, 'not the provider');
        _;
    }

    function addRecord(string calldata query, bytes32 hash) external onlyProvider {
        records.push(RecordPointer(query, hash));
        emit RecordAdded(records.length - 1, hash);
    }

    function setPermission(address viewer, bool allowed) external onlyProvider {
        viewers[viewer] = allowed;
        emit PermissionChanged(viewer, allowed);
    }

    function recordCount() external view returns (uint256) {
        return records.length;
    }
}

contract Summary {
    address public immutable registrar;
    address[] public relationships;

    constructor(address registrarAddress) {
        registrar = registrarAddress;
    }

    function add(address relationship) external {
        require(msg.sender == registrar, 'not the registrar');
        relationships.push(relationship);
    }

    function count() external view returns (uint256) {
        return relationships.length;
    }
}

contract Registrar {
    struct Identity {
        address account;
        bytes32 signingKey;
        bytes32 encryptionKey;
        uint8 kind;
        bool active;
        address organization;
        Summary summary;
    }

    mapping(address => bool) public admins;
    mapping(string => Identity) private identities;
    // One relationship per (patient, provider) pair, as in MedRec.
    mapping(bytes32 => PatientProviderRelationship) public relationships;

    event Registered(string id, address account, address organization);

    constructor(address[] memory organizationAdmins) {
        for (uint256 i = 0; i < organizationAdmins.length; i++) {
            admins[organizationAdmins[i]] = true;
        }
    }

    modifier onlyAdmin() {
        require(admins[msg.sender], 'not an organization admin');
        _;
    }

    function register(
        string calldata id,
        address account,
        bytes32 signingKey,
        bytes32 encryptionKey,
        uint8 kind
    ) external onlyAdmin {
        require(identities[id].account == address(0), 'identity exists');
        identities[id] = Identity(
            account, signingKey, encryptionKey, kind, true, msg.sender, Summary(address(0))
        );
        emit Registered(id, account, msg.sender);
    }

    // Opens the relationship contract (and the patient's Summary on first use), then
    // anchors the first record pointer and grants the provider's viewer permission.
    function addRecord(
        string calldata patientId,
        string calldata query,
        bytes32 hash
    ) external onlyAdmin returns (PatientProviderRelationship relationship) {
        Identity storage patient = identities[patientId];
        require(patient.active, 'unknown patient');
        bytes32 pair = keccak256(abi.encode(patientId, msg.sender));
        relationship = relationships[pair];
        if (address(relationship) == address(0)) {
            relationship = new PatientProviderRelationship(address(this), msg.sender, patientId);
            relationships[pair] = relationship;
            if (address(patient.summary) == address(0)) {
                patient.summary = new Summary(address(this));
            }
            patient.summary.add(address(relationship));
        }
        relationship.addRecord(query, hash);
    }

    function grant(string calldata patientId, address viewer, bool allowed) external onlyAdmin {
        bytes32 pair = keccak256(abi.encode(patientId, msg.sender));
        PatientProviderRelationship relationship = relationships[pair];
        require(address(relationship) != address(0), 'no relationship');
        relationship.setPermission(viewer, allowed);
    }

    function accountOf(string calldata id) external view returns (address) {
        return identities[id].account;
    }
}
