import OutboxIcon from '@mui/icons-material/OutboxOutlined';
import WebhookIcon from '@mui/icons-material/WebhookOutlined';
import { DeliveryList, DeliveryShow } from './Deliveries.js';
import { EndpointCreate, EndpointEdit, EndpointList } from './Endpoints.js';

export const webhookEndpoints = { list: EndpointList, create: EndpointCreate, edit: EndpointEdit, icon: WebhookIcon, recordRepresentation: 'url' };
export const webhookDeliveries = { list: DeliveryList, show: DeliveryShow, icon: OutboxIcon, recordRepresentation: 'id' };
